package io.kubeferry.apply;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.ApiServerProxy;
import io.kubeferry.component.Component;
import io.kubeferry.component.Components;
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

/** apply / clean against a stand-in host whose root is a temp directory. */
class ComponentApplierTest {
    private final ComponentApplier applier = new ComponentApplier();

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

        ComponentApplier.Report first = applier.apply(host, kubelet.component(), w1, kubelet.output().filesFor("w1"));
        assertEquals(5, first.changedPaths().size(), "1.34: four files and instance-config.yaml");
        assertTrue(first.commands().contains("systemctl restart kubelet"), first.commands().toString());
        assertTrue(first.commands().contains("chmod 0700 /var/lib/kubelet"), first.commands().toString());
        for (HostFile f : kubelet.output().filesFor("w1")) {
            assertEquals(f.text(), Files.readString(host.path(f.path())));
        }

        ComponentApplier.Report second = applier.apply(host, kubelet.component(), w1, kubelet.output().filesFor("w1"));
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
        List<HostFile> files = kubelet.output().filesFor("w1");
        String stamp = kubelet.component().stampPath();
        assertEquals("/etc/kubeferry/applied/kubelet.sha256", stamp);

        host.failing = c -> c.equals("systemctl restart kubelet");
        assertThrows(io.kubeferry.errors.HostFailureException.class, () -> applier.apply(host, kubelet.component(), w1, files));
        assertFalse(Files.exists(host.path(stamp)), "no stamp without a successful start");

        host.failing = c -> false;
        ComponentApplier.Report retry = applier.apply(host, kubelet.component(), w1, files);
        assertTrue(retry.changedPaths().isEmpty(), "the files were put by the failed run");
        assertTrue(retry.commands().contains("systemctl restart kubelet"), retry.commands().toString());
        assertEquals(Component.appliedHash(files) + "\n", Files.readString(host.path(stamp)));

        ComponentApplier.Report again = applier.apply(host, kubelet.component(), w1, files);
        assertFalse(again.commands().stream().anyMatch(c -> c.contains("restart")), again.commands().toString());

        // a stamp from other files (edited by hand, older render) restarts even when the files match
        Files.writeString(host.path(stamp), "0000\n");
        assertTrue(applier.apply(host, kubelet.component(), w1, files).commands().contains("systemctl restart kubelet"));

        applier.clean(host, kubelet.component(), w1, files);
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
                applier.apply(host, r.component(), h, r.output().filesFor(name));
            }
            long manifests = rc.filesFor(name).stream().filter(f -> f.path().startsWith("/etc/kubernetes/manifests/")).count();
            assertEquals(rc.filesFor(name).size() + manifests + 2, countFiles(root) - 1,
                    "every file put, a staged copy of each manifest, the containerd and kubelet stamps, plus the existing /etc/hosts");
            List<RenderedCluster.Rendered> reversed = new java.util.ArrayList<>(rc.components());
            java.util.Collections.reverse(reversed);
            for (RenderedCluster.Rendered r : reversed) {
                applier.clean(host, r.component(), h, r.output().filesFor(name));
                applier.clean(host, r.component(), h, r.output().filesFor(name)); // idempotent
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
        applier.apply(host, proxy.component(), w1, proxy.output().filesFor("w1"));
        applier.apply(host, proxy.component(), w1, proxy.output().filesFor("w1"));
        String expectedLine = "127.0.0.1 apiserver.kubeferry.local " + ApiServerProxy.HOSTS_MARKER;
        assertEquals("127.0.0.1 localhost\n10.1.1.1 other\n" + expectedLine + "\n", Files.readString(root.resolve("etc/hosts")));
        // a changed fragment replaces the line rather than adding a second
        Files.writeString(host.path(ApiServerProxy.HOSTS_FRAGMENT), "127.0.0.2 apiserver.kubeferry.local\n");
        host.exec(proxy.component().startCommands(w1, true).get(0));
        assertEquals("127.0.0.1 localhost\n10.1.1.1 other\n127.0.0.2 apiserver.kubeferry.local "
                + ApiServerProxy.HOSTS_MARKER + "\n", Files.readString(root.resolve("etc/hosts")));
        applier.clean(host, proxy.component(), w1, proxy.output().filesFor("w1"));
        assertEquals("127.0.0.1 localhost\n10.1.1.1 other\n", Files.readString(root.resolve("etc/hosts")));
    }

    @Test
    void etcdCleanAlsoRemovesItsDataDirectory() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host cp1 = inv.host("cp1").orElseThrow();
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("cp1")));
        RenderedCluster.Rendered etcd = rc.component("etcd");
        applier.apply(host, etcd.component(), cp1, etcd.output().filesFor("cp1"));
        Files.createDirectories(host.path("/var/lib/etcd/member/snap"));
        applier.clean(host, etcd.component(), cp1, etcd.output().filesFor("cp1"));
        assertFalse(Files.exists(host.path("/var/lib/etcd")));
        assertFalse(Files.exists(host.path("/etc/kubernetes/manifests/etcd.yaml")));
    }

    @Test
    void registryIsAFreshListEachTime() {
        assertEquals(Components.standard().stream().map(Component::name).toList(),
                Components.standard().stream().map(Component::name).toList());
        assertTrue(Components.standard() != Components.standard());
    }

    /** Regular files under root, the install records for reset (var/lib/kubeferry) left out: clean keeps them. */
    private static long countFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.startsWith(root.resolve("var/lib/kubeferry"))).count();
        }
    }

    @Test
    void manifestsAreStagedOutsideTheWatchedDirectoryAndRenamedIn() throws IOException {
        Inventory inv = inventory();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host cp1 = inv.host("cp1").orElseThrow();
        DirectoryHost host = new DirectoryHost(Files.createDirectories(tmp.resolve("cp1")));
        RenderedCluster.Rendered api = rc.component("kube-apiserver");
        HostFile manifest = api.output().filesFor("cp1").get(0);

        ComponentApplier.Report first = applier.apply(host, api.component(), cp1, api.output().filesFor("cp1"));
        assertEquals(List.of(manifest.path()), first.changedPaths());
        assertEquals(manifest.text(), Files.readString(host.path(manifest.path())));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(host.path(manifest.path()))));
        try (Stream<Path> s = Files.list(host.path("/etc/kubernetes/manifests"))) {
            assertEquals(List.of("kube-apiserver.yaml"), s.map(p -> p.getFileName().toString()).toList(),
                    "nothing but the manifest in the kubelet's directory");
        }
        assertTrue(Files.isRegularFile(host.path(Component.STAGING_ROOT + manifest.path())));

        ComponentApplier.Report second = applier.apply(host, api.component(), cp1, api.output().filesFor("cp1"));
        assertTrue(second.changedPaths().isEmpty(), second.toString());
    }
}
