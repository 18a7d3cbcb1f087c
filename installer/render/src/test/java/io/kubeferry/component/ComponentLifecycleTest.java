package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.render.RenderService;
import io.kubeferry.render.RenderedCluster;
import io.kubeferry.render.TemplateSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** run / clean against a stand-in host whose root is a temp directory. */
class ComponentLifecycleTest {
    @TempDir
    Path tmp;

    private static Inventory inventory() {
        return io.kubeferry.render.FixturesAccess.localProxy();
    }

    @Test
    void runPutsEveryFileAndRestartsOnlyWhenSomethingChanged() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host w1 = inv.host("w1").orElseThrow();
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("w1")));
        RenderedCluster.Rendered kubelet = rc.component("kubelet");

        Component.RunReport first = kubelet.component().run(host, w1, kubelet.output().filesFor("w1"));
        assertEquals(5, first.changedPaths().size(), "1.34: four files and instance-config.yaml");
        assertTrue(first.commands().contains("systemctl restart kubelet"), first.commands().toString());
        assertTrue(first.commands().contains("chmod 0700 /var/lib/kubelet"), first.commands().toString());
        for (RenderedFile f : kubelet.output().filesFor("w1")) {
            assertEquals(f.text(), Files.readString(host.path(f.path())));
        }

        Component.RunReport second = kubelet.component().run(host, w1, kubelet.output().filesFor("w1"));
        assertTrue(second.changedPaths().isEmpty());
        assertFalse(second.commands().stream().anyMatch(c -> c.contains("restart")), second.commands().toString());
        assertTrue(second.commands().contains("systemctl enable --now kubelet"), second.commands().toString());
    }

    @Test
    void aRunThatFailedBeforeItsRestartIsFinishedByTheNextRun() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host w1 = inv.host("w1").orElseThrow();
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("w1")));
        RenderedCluster.Rendered kubelet = rc.component("kubelet");
        List<RenderedFile> files = kubelet.output().filesFor("w1");
        String stamp = kubelet.component().stampPath();
        assertEquals("/etc/kubeferry/applied/kubelet.sha256", stamp);

        host.failing = c -> c.equals("systemctl restart kubelet");
        assertThrows(io.kubeferry.errors.HostFailureException.class, () -> kubelet.component().run(host, w1, files));
        assertFalse(Files.exists(host.path(stamp)), "no stamp without a successful start");

        host.failing = c -> false;
        Component.RunReport retry = kubelet.component().run(host, w1, files);
        assertTrue(retry.changedPaths().isEmpty(), "the files were put by the failed run");
        assertTrue(retry.commands().contains("systemctl restart kubelet"), retry.commands().toString());
        assertEquals(Component.appliedHash(files) + "\n", Files.readString(host.path(stamp)));

        Component.RunReport again = kubelet.component().run(host, w1, files);
        assertFalse(again.commands().stream().anyMatch(c -> c.contains("restart")), again.commands().toString());

        // a stamp from other files (edited by hand, older render) restarts even when the files match
        Files.writeString(host.path(stamp), "0000\n");
        assertTrue(kubelet.component().run(host, w1, files).commands().contains("systemctl restart kubelet"));

        kubelet.component().clean(host, w1, files);
        assertFalse(Files.exists(host.path(stamp)), "clean removes the stamp");
    }

    @Test
    void cleanRemovesEverythingEveryComponentPutOnAHost() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        for (String name : List.of("cp1", "w1")) {
            Host h = inv.host(name).orElseThrow();
            Path root = Files.createDirectories(tmp.resolve(name));
            Files.createDirectories(root.resolve("etc"));
            Files.writeString(root.resolve("etc/hosts"), "127.0.0.1 localhost\n");
            DirectoryHost host = new DirectoryHost(root);
            for (RenderedCluster.Rendered r : rc.components()) {
                r.component().run(host, h, r.output().filesFor(name));
            }
            long manifests = rc.filesFor(name).stream().filter(f -> f.path().startsWith("/etc/kubernetes/manifests/")).count();
            assertEquals(rc.filesFor(name).size() + manifests + 2, countFiles(root) - 1,
                    "every file put, a staged copy of each manifest, the containerd and kubelet stamps, plus the existing /etc/hosts");
            List<RenderedCluster.Rendered> reversed = new java.util.ArrayList<>(rc.components());
            java.util.Collections.reverse(reversed);
            for (RenderedCluster.Rendered r : reversed) {
                r.component().clean(host, h, r.output().filesFor(name));
                r.component().clean(host, h, r.output().filesFor(name)); // idempotent
            }
            assertEquals(1, countFiles(root), "only /etc/hosts is left on " + name);
            assertEquals("127.0.0.1 localhost\n", Files.readString(root.resolve("etc/hosts")));
            assertTrue(host.commands.contains("if systemctl cat kubelet >/dev/null 2>&1; then systemctl disable --now kubelet; fi"));
        }
    }

    @Test
    void hostsLineIsAddedOnceReplacedOnChangeAndOtherLinesKept() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host w1 = inv.host("w1").orElseThrow();
        Path root = Files.createDirectories(tmp.resolve("w1"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/hosts"), "127.0.0.1 localhost\n10.1.1.1 other\n");
        DirectoryHost host = new DirectoryHost(root);
        RenderedCluster.Rendered proxy = rc.component("apiserver-proxy");
        proxy.component().run(host, w1, proxy.output().filesFor("w1"));
        proxy.component().run(host, w1, proxy.output().filesFor("w1"));
        String expectedLine = "127.0.0.1 apiserver.kubeferry.local " + ApiServerProxy.HOSTS_MARKER;
        assertEquals("127.0.0.1 localhost\n10.1.1.1 other\n" + expectedLine + "\n", Files.readString(root.resolve("etc/hosts")));
        // a changed fragment replaces the line rather than adding a second
        Files.writeString(host.path(ApiServerProxy.HOSTS_FRAGMENT), "127.0.0.2 apiserver.kubeferry.local\n");
        host.exec(proxy.component().startCommands(w1, true).get(0));
        assertEquals("127.0.0.1 localhost\n10.1.1.1 other\n127.0.0.2 apiserver.kubeferry.local "
                + ApiServerProxy.HOSTS_MARKER + "\n", Files.readString(root.resolve("etc/hosts")));
        proxy.component().clean(host, w1, proxy.output().filesFor("w1"));
        assertEquals("127.0.0.1 localhost\n10.1.1.1 other\n", Files.readString(root.resolve("etc/hosts")));
    }

    @Test
    void etcdCleanAlsoRemovesItsDataDirectory() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host cp1 = inv.host("cp1").orElseThrow();
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("cp1")));
        RenderedCluster.Rendered etcd = rc.component("etcd");
        etcd.component().run(host, cp1, etcd.output().filesFor("cp1"));
        Files.createDirectories(host.path("/var/lib/etcd/member/snap"));
        etcd.component().clean(host, cp1, etcd.output().filesFor("cp1"));
        assertFalse(Files.exists(host.path("/var/lib/etcd")));
        assertFalse(Files.exists(host.path("/etc/kubernetes/manifests/etcd.yaml")));
    }

    @Test
    void registryIsAFreshListEachTime() {
        assertEquals(Components.standard().stream().map(Component::name).toList(),
                Components.standard().stream().map(Component::name).toList());
        assertTrue(Components.standard() != Components.standard());
    }

    private static long countFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void saveWritesOneComponentsTree() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        RenderedCluster.Rendered etcd = rc.component("etcd");
        etcd.component().save(etcd.output(), tmp.resolve("etcd"));
        assertEquals(3, countFiles(tmp.resolve("etcd")));
        assertTrue(Files.isRegularFile(tmp.resolve("etcd/cp2/etc/kubernetes/manifests/etcd.yaml")));
        RenderedCluster.Rendered dns = rc.component("coredns");
        dns.component().save(dns.output(), tmp.resolve("dns"));
        assertTrue(Files.isRegularFile(tmp.resolve("dns/cluster/addons/coredns.yaml")));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FileTree.hostPath(tmp, "cp1", "/../../etc/passwd"));
    }

    @Test
    void saveWritesAKeyWithItsModeAndNeverThroughALinkAtItsPath() throws IOException {
        // a file written then chmod-ed is world-readable for a moment and follows whatever sits at its path;
        // a key must land as a new 0600 file that replaces the link
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "not a key\n");
        Path target = tmp.resolve("tree/cp1/etc/kubernetes/pki/ca.key");
        Files.createDirectories(target.getParent());
        Files.createSymbolicLink(target, outside);
        RenderedFile key = RenderedFile.text("/etc/kubernetes/pki/ca.key", "-----BEGIN PRIVATE KEY-----\n", 0600);
        FileTree.write(ComponentOutput.files(java.util.Map.of("cp1", List.of(key))), tmp.resolve("tree"));
        assertFalse(Files.isSymbolicLink(target));
        assertEquals(key.text(), Files.readString(target));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals("not a key\n", Files.readString(outside), "the link's target is untouched");
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of("ca.key"), s.map(p -> p.getFileName().toString()).toList(), "no temp file left");
        }
    }

    @Test
    void manifestsAreStagedOutsideTheWatchedDirectoryAndRenamedIn() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host cp1 = inv.host("cp1").orElseThrow();
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("cp1")));
        RenderedCluster.Rendered api = rc.component("kube-apiserver");
        RenderedFile manifest = api.output().filesFor("cp1").get(0);

        Component.RunReport first = api.component().run(host, cp1, api.output().filesFor("cp1"));
        assertEquals(List.of(manifest.path()), first.changedPaths());
        assertEquals(manifest.text(), Files.readString(host.path(manifest.path())));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(host.path(manifest.path()))));
        try (Stream<Path> s = Files.list(host.path("/etc/kubernetes/manifests"))) {
            assertEquals(List.of("kube-apiserver.yaml"), s.map(p -> p.getFileName().toString()).toList(),
                    "nothing but the manifest in the kubelet's directory");
        }
        assertTrue(Files.isRegularFile(host.path(Component.STAGING_ROOT + manifest.path())));

        Component.RunReport second = api.component().run(host, cp1, api.output().filesFor("cp1"));
        assertTrue(second.changedPaths().isEmpty(), second.toString());
    }
}
