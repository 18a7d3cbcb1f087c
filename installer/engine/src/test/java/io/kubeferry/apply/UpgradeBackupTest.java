package io.kubeferry.apply;

import io.kubeferry.install.UpgradeBackup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The upgrade's backup and rollback commands, really run by sh on a directory host: saved once per target, restored
 * only for the upgrade it was taken for, files put back as they were (their directories' modes untouched), files the
 * upgrade added removed, and the backup moved aside once the host is back so that the next upgrade saves anew.
 */
class UpgradeBackupTest {
    @TempDir
    Path tmp;

    private static final String MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml";
    private static final String KUBELET = "/usr/local/bin/kubelet";
    private static final String STAMP = "/var/lib/kubeferry/installed/kubelet.sha256";
    private static final String ADDED = "/etc/kubernetes/manifests/added-by-1.33.yaml";

    @Test
    void rollbackPutsBackWhatTheHostHadBeforeItsFirstUpgradeRunAndRemovesWhatItAdded() throws IOException {
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("cp2")));
        write(host, MANIFEST, "image: registry.k8s.io/kube-apiserver:v1.32.9\n");
        write(host, KUBELET, "#!/bin/sh\necho kubelet 1.32.9\n");
        write(host, STAMP, "aaaa\n");
        List<String> paths = List.of(MANIFEST, KUBELET, STAMP, ADDED);

        assertEquals("saved", run(host, UpgradeBackup.saveCommand(paths, "1.32.9", "1.33.5")));
        upgradeFiles(host);
        // a resumed upgrade to the same version keeps the first backup, from before anything changed
        assertEquals("kept", run(host, UpgradeBackup.saveCommand(paths, "1.32.9", "1.33.5")));
        assertEquals("1.32.9", run(host, UpgradeBackup.fromCommand()));

        assertEquals("none", run(host, UpgradeBackup.restoreCommand("1.34.1")), "the backup of another upgrade is left alone");
        assertEquals("image: registry.k8s.io/kube-apiserver:v1.33.5\n", read(host, MANIFEST));

        var etcMode = Files.getPosixFilePermissions(host.path("/etc"));
        Files.setPosixFilePermissions(host.path("/etc"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        assertEquals("restored", run(host, UpgradeBackup.restoreCommand("1.33.5")));
        assertEquals("image: registry.k8s.io/kube-apiserver:v1.32.9\n", read(host, MANIFEST));
        assertEquals("#!/bin/sh\necho kubelet 1.32.9\n", read(host, KUBELET));
        assertTrue(Files.isExecutable(host.path(KUBELET)), "modes kept");
        assertEquals("aaaa\n", read(host, STAMP));
        assertFalse(Files.exists(host.path(ADDED)), "a file the upgrade added is removed");
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(host.path("/etc"))),
                "the directories holding the files keep their own modes");
        Files.setPosixFilePermissions(host.path("/etc"), etcMode);
        // restored again (a rollback cut short before the host was back): the same files
        assertEquals("restored", run(host, UpgradeBackup.restoreCommand("1.33.5")));
        assertEquals("1.32.9", run(host, UpgradeBackup.fromCommand()), "kept until the host is back");
        run(host, UpgradeBackup.finishCommand());
        assertEquals("", run(host, UpgradeBackup.fromCommand()), "the backup is moved aside");
        assertEquals("none", run(host, UpgradeBackup.restoreCommand("1.33.5")), "a second rollback has nothing to do");

        // upgrading again after the rollback saves the files as they are now (the rolled-back ones)
        assertEquals("saved", run(host, UpgradeBackup.saveCommand(paths, "1.32.9", "1.33.5")));
        upgradeFiles(host);
        assertEquals("restored", run(host, UpgradeBackup.restoreCommand("1.33.5")));
        assertEquals("image: registry.k8s.io/kube-apiserver:v1.32.9\n", read(host, MANIFEST));
    }

    @Test
    void theNextUpgradeReplacesABackupOfAnEarlierOne() throws IOException {
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("w1")));
        write(host, KUBELET, "kubelet 1.32.9\n");
        assertEquals("saved", run(host, UpgradeBackup.saveCommand(List.of(KUBELET), "1.32.9", "1.33.5")));
        write(host, KUBELET, "kubelet 1.33.5\n");
        assertEquals("saved", run(host, UpgradeBackup.saveCommand(List.of(KUBELET), "1.33.5", "1.34.1")));
        write(host, KUBELET, "kubelet 1.34.1\n");
        assertEquals("1.33.5", run(host, UpgradeBackup.fromCommand()));
        assertEquals("none", run(host, UpgradeBackup.restoreCommand("1.33.5")), "that backup was replaced");
        assertEquals("restored", run(host, UpgradeBackup.restoreCommand("1.34.1")));
        assertEquals("kubelet 1.33.5\n", read(host, KUBELET));
    }

    /** What the rollback compares before it changes anything: etcd's minor in the backup and now. */
    @Test
    void theEtcdMinorsOfTheBackupAndOfNowAreRead() throws IOException {
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("cp1")));
        String etcd = "/etc/kubernetes/manifests/etcd.yaml";
        write(host, etcd, "    image: registry.k8s.io/etcd:3.5.21-0\n");
        assertEquals("saved", run(host, UpgradeBackup.saveCommand(List.of(etcd), "1.33.5", "1.34.1")));
        write(host, etcd, "    image: registry.k8s.io/etcd:3.6.4-0\n");
        assertEquals("3.5 3.6", run(host, UpgradeBackup.etcdMinorsCommand()));
        DirectoryHost worker = new DirectoryHost(Files.createDirectories(tmp.resolve("w1")));
        write(worker, KUBELET, "kubelet\n");
        assertEquals("saved", run(worker, UpgradeBackup.saveCommand(List.of(KUBELET), "1.33.5", "1.34.1")));
        assertEquals("", run(worker, UpgradeBackup.etcdMinorsCommand()), "no etcd in that backup");
    }

    private static void upgradeFiles(DirectoryHost host) throws IOException {
        write(host, MANIFEST, "image: registry.k8s.io/kube-apiserver:v1.33.5\n");
        write(host, KUBELET, "#!/bin/sh\necho kubelet 1.33.5\n");
        write(host, STAMP, "bbbb\n");
        write(host, ADDED, "new\n");
    }

    private static String run(DirectoryHost host, String command) {
        var r = host.exec(command, Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), command + ": " + r.stderr());
        return r.stdout().strip();
    }

    private static void write(DirectoryHost host, String path, String content) throws IOException {
        Path p = host.path(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        if (path.contains("/bin/")) {
            p.toFile().setExecutable(true);
        }
    }

    private static String read(DirectoryHost host, String path) throws IOException {
        return Files.readString(host.path(path));
    }
}
