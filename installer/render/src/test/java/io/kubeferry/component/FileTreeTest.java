package io.kubeferry.component;

import io.kubeferry.host.HostFile;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The review tree: a component's files under {@code <dir>/<host>/<path>}, keys written safely. */
class FileTreeTest {
    @TempDir
    Path tmp;

    private static Inventory inventory() {
        return io.kubeferry.render.FixturesAccess.localProxy();
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
        FileTree.write(etcd.output(), tmp.resolve("etcd"));
        assertEquals(3, countFiles(tmp.resolve("etcd")));
        assertTrue(Files.isRegularFile(tmp.resolve("etcd/cp2/etc/kubernetes/manifests/etcd.yaml")));
        RenderedCluster.Rendered dns = rc.component("coredns");
        FileTree.write(dns.output(), tmp.resolve("dns"));
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
        HostFile key = HostFile.text("/etc/kubernetes/pki/ca.key", "-----BEGIN PRIVATE KEY-----\n", 0600);
        FileTree.write(ComponentOutput.files(java.util.Map.of("cp1", List.of(key))), tmp.resolve("tree"));
        assertFalse(Files.isSymbolicLink(target));
        assertEquals(key.text(), Files.readString(target));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals("not a key\n", Files.readString(outside), "the link's target is untouched");
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of("ca.key"), s.map(p -> p.getFileName().toString()).toList(), "no temp file left");
        }
    }
}
