package io.kubeferry.render;

import io.kubeferry.host.HostFile;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Input checks and the review tree. */
class RenderServiceTest {
    @TempDir
    Path tmp;

    private final RenderService svc = new RenderService(TemplateSource.builtIn());

    /** The inventory loader refuses these, located; rendering keeps only a guard for models built in code. */
    @Test
    void inventoryRulesAreGuardedNotReported() {
        assertThrows(IllegalStateException.class, () -> svc.renderAll(Fixtures.ha().version("1.31.4").build()));
        assertThrows(IllegalStateException.class, () -> svc.renderAll(Fixtures.ha().podSubnet(null).build()));
        Inventory base = Fixtures.ha().build();
        var hosts = new java.util.ArrayList<>(base.hosts());
        var w1 = hosts.get(3);
        hosts.set(3, new io.kubeferry.inventory.Host(w1.name(), w1.address(), w1.internalAddress(), null,
                Set.of(Role.WORKER, Role.ETCD), Map.of(), List.of()));
        Inventory etcdOnWorker = new Inventory(base.source(), base.cluster(), hosts);
        assertThrows(IllegalStateException.class, () -> svc.renderAll(etcdOnWorker));
    }

    @Test
    void extraFilesFromThePkiLandInTheTreeWithTheirMode() throws IOException {
        RenderedCluster rc = svc.renderAll(Fixtures.ha().build()).withExtraFiles(Map.of(
                "cp1", List.of(HostFile.text("/etc/kubernetes/pki/ca.key", "stand-in key", 0600))));
        Path out = tmp.resolve("out");
        OutputTree.write(rc, out);
        Path key = out.resolve("cp1/etc/kubernetes/pki/ca.key");
        assertEquals("stand-in key", Files.readString(key));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(Files.readString(out.resolve("index.txt")).contains("cp1 0600 "));
        assertThrows(IllegalStateException.class, () -> rc.withExtraFiles(Map.of(
                "cp1", List.of(HostFile.text("/etc/kubernetes/manifests/etcd.yaml", "x", 0600)))));
    }

    @Test
    void saveRefusesAForeignDirectoryAndReplacesAnEarlierRender() throws IOException {
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("important.txt"), "keep me");
        assertThrows(BadInputException.class, () -> OutputTree.write(svc.renderAll(Fixtures.ha().build()), foreign));
        assertEquals("keep me", Files.readString(foreign.resolve("important.txt")));

        Path out = tmp.resolve("out");
        OutputTree.write(svc.renderAll(Fixtures.ha().build()), out);
        assertTrue(Files.isDirectory(out.resolve("w2")));
        OutputTree.write(svc.renderAll(Fixtures.ha().size(3, 1).build()), out);
        assertFalse(Files.exists(out.resolve("w2")), "a host gone from the inventory leaves no stale files");
        assertTrue(Files.isRegularFile(out.resolve("w1/var/lib/kubelet/config.yaml")));
    }

    @Test
    void clusterInfoNeedsTheCaAndSaysSo() {
        RenderedCluster without = svc.renderAll(Fixtures.ha().build());
        assertTrue(without.addons().stream().noneMatch(a -> a.name().equals("cluster-info")));
        assertEquals(1, without.notes().stream().filter(n -> n.contains("cluster-info")).count());
        RenderedCluster with = svc.renderAll(Fixtures.ha().build(), RenderInputs.none().withClusterCa(TestSupport.FAKE_CA_PEM));
        var info = with.addons().stream().filter(a -> a.name().equals("cluster-info")).findFirst().orElseThrow();
        String kubeconfig = (String) TestSupport.at(TestSupport.yamlMap(info.yaml()), "data", "kubeconfig");
        assertEquals(java.util.Base64.getEncoder().encodeToString(TestSupport.FAKE_CA_PEM),
                TestSupport.at(TestSupport.yamlMap(kubeconfig), "clusters", "0", "cluster", "certificate-authority-data"));
    }

    @Test
    void everyAddonDocumentParsesAndHasKindAndName() {
        RenderedCluster rc = svc.renderAll(Fixtures.ha().build(), RenderInputs.none().withClusterCa(TestSupport.FAKE_CA_PEM));
        int docs = 0;
        for (var a : rc.addons()) {
            for (Object d : TestSupport.yamlDocs(a.yaml())) {
                assertTrue(TestSupport.at(d, "kind") instanceof String, a.name());
                assertTrue(TestSupport.at(d, "metadata", "name") instanceof String, a.name());
                docs++;
            }
        }
        assertTrue(docs > 25, "addons hold " + docs + " objects");
    }

    @Test
    void defaultImagesAreTheRepositoryImageListsWithTheInventoryVersion() throws IOException {
        Inventory inv = Fixtures.ha().version("1.33.2").build();
        var images = io.kubeferry.component.ImageSet.defaultsFor(inv.cluster());
        List<String> list = io.kubeferry.component.ImageSet.parseList(
                Files.readString(TestSupport.repoRoot().resolve("images/kubernetes-1.33.txt")));
        assertTrue(list.contains(images.etcd()), images.etcd());
        assertTrue(list.contains(images.coredns()), images.coredns());
        assertTrue(list.contains(images.pause()), images.pause());
        assertTrue(list.contains(images.flannel()), images.flannel());
        assertTrue(list.contains(images.haproxy()), images.haproxy());
        assertEquals("registry.k8s.io/kube-apiserver:v1.33.2", images.kubeApiserver());
    }

    @Test
    void aBundleForAnotherVersionOrMissingAnImageIsRefused() {
        Inventory inv = Fixtures.ha().version("1.34.2").build();
        List<String> bundle = List.of("registry.k8s.io/kube-apiserver:v1.34.1", "registry.k8s.io/kube-controller-manager:v1.34.2",
                "registry.k8s.io/kube-scheduler:v1.34.2", "registry.k8s.io/kube-proxy:v1.34.2", "registry.k8s.io/etcd:3.6.4-0",
                "registry.k8s.io/coredns/coredns:v1.12.1", "registry.k8s.io/pause:3.10.1",
                "ghcr.io/flannel-io/flannel:v0.27.0", "ghcr.io/flannel-io/flannel-cni-plugin:v1.7.1-flannel1");
        BadInputException e = assertThrows(BadInputException.class,
                () -> io.kubeferry.component.ImageSet.fromList(inv.cluster(), bundle, "bundle.yaml"));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("kube-apiserver:v1.34.1 does not match"), e.getMessage());
        assertTrue(e.getMessage().contains("no 'haproxy' image"), e.getMessage());
    }

    @Test
    void bundleImagesAreWhatTheFilesName() {
        Inventory inv = Fixtures.ha().version("1.34.1").build();
        List<String> bundle = List.of("registry.k8s.io/kube-apiserver:v1.34.1", "registry.k8s.io/kube-controller-manager:v1.34.1",
                "registry.k8s.io/kube-scheduler:v1.34.1", "registry.k8s.io/kube-proxy:v1.34.1", "registry.k8s.io/etcd:3.6.5-0",
                "registry.k8s.io/coredns/coredns:v1.12.1", "registry.k8s.io/pause:3.10.1", "docker.io/library/haproxy:3.2.4-alpine",
                "ghcr.io/flannel-io/flannel:v0.27.0", "ghcr.io/flannel-io/flannel-cni-plugin:v1.7.1-flannel1");
        var images = io.kubeferry.component.ImageSet.fromList(inv.cluster(), bundle, "bundle.yaml");
        RenderedCluster rc = svc.renderAll(inv, RenderInputs.none().withImages(images));
        assertTrue(FlagReferenceTest.file(rc, inv.controlPlanes().get(0), "etcd").text().contains("image: registry.k8s.io/etcd:3.6.5-0"));
    }

    @Test
    void hostWithSystemdResolvedGetsKubeadmsResolvConf() {
        Inventory inv = Fixtures.ha().build();
        RenderedCluster rc = svc.renderAll(inv, RenderInputs.none()
                .withHostFacts("w1", io.kubeferry.host.HostFacts.unknown().withSystemdResolved(true)));
        assertTrue(EndpointTest.text(rc, inv.host("w1").orElseThrow(), "/var/lib/kubelet/kubeadm-flags.env")
                .contains(" --resolv-conf=/run/systemd/resolve/resolv.conf"));
        assertFalse(EndpointTest.text(rc, inv.host("w2").orElseThrow(), "/var/lib/kubelet/kubeadm-flags.env")
                .contains("resolv-conf"));
    }

    @Test
    void controlPlaneLabelsAreForTheApiNotTheKubelet() {
        // kubeadm's mark-control-plane labels; the kubelet may not set node-role.kubernetes.io/* itself
        Inventory inv = Fixtures.ha().build();
        RenderedCluster rc = svc.renderAll(inv);
        Map<String, String> cpLabels = Map.of("node-role.kubernetes.io/control-plane", "",
                "node.kubernetes.io/exclude-from-external-load-balancers", "");
        for (String cp : List.of("cp1", "cp2", "cp3")) {
            assertEquals(cpLabels, rc.nodeMetadata().get(cp).labels(), cp);
        }
        for (String w : List.of("w1", "w2")) {
            assertEquals(Map.of(), rc.nodeMetadata().getOrDefault(w,
                    new io.kubeferry.component.NodeMetadata(w, Map.of(), Map.of())).labels(), w);
        }
        for (String h : rc.hosts()) {
            String flags = EndpointTest.text(rc, inv.host(h).orElseThrow(), "/var/lib/kubelet/kubeadm-flags.env");
            for (String flag : flags.replace("\"", " ").split("\\s+")) {
                assertFalse(flag.startsWith("--node-labels=") && flag.contains("node-role.kubernetes.io"), h + ": " + flag);
            }
        }
        assertTrue(rc.notes().contains("label node-role.kubernetes.io/control-plane=\"\" on cp1, cp2, cp3: set through "
                + "the API once the node registers (not by the kubelet)"), rc.notes().toString());
    }

    @Test
    void summaryListsHostsAddonsAndNotes() {
        List<String> lines = svc.renderAll(Fixtures.ha().build()).summary();
        assertEquals("cp1: 19 files", lines.get(0));
        assertEquals("w2: 15 files", lines.get(4));
        assertEquals("cluster: 5 addons (cluster-rbac, cluster-config, kube-proxy, coredns, flannel)", lines.get(5));
        assertTrue(lines.get(6).startsWith("note: cluster-info addon not rendered"), lines.get(6));
    }
}
