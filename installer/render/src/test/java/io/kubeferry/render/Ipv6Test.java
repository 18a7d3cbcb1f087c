package io.kubeferry.render;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Networking;
import io.kubeferry.inventory.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A single-stack IPv6 cluster: URLs bracketed, loopbacks ::1, every YAML parses, haproxy accepts its config. */
class Ipv6Test {
    @TempDir
    Path tmp;

    @Test
    void ipv6ClusterRendersValidFiles() throws Exception {
        List<Host> hosts = List.of(
                new Host("cp1", "fd00::11", "fd00::11", null, Set.of(Role.CONTROL_PLANE), Map.of(), List.of()),
                new Host("cp2", "fd00::12", "fd00::12", null, Set.of(Role.CONTROL_PLANE), Map.of(), List.of()),
                new Host("w1", "fd00::21", "fd00::21", null, Set.of(Role.WORKER), Map.of(), List.of()));
        Networking net = new Networking(Cidr.parse("fd00:10:244::/56").orElseThrow(),
                Cidr.parse("fd00:10:96::/112").orElseThrow(), "cluster.local", Networking.Cni.FLANNEL);
        ClusterSpec spec = new ClusterSpec("kubernetes", KubernetesVersion.parse("1.33.5").orElseThrow(),
                new ControlPlaneEndpoint(Fixtures.PROXY_NAME, 6443, ControlPlaneEndpoint.Mode.LOCAL_PROXY), net,
                CertificateOptions.defaults(), Map.of(), ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
        Inventory inv = new Inventory(Path.of("/nonexistent/inv.yaml"), spec, hosts);
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        for (String h : rc.hosts()) {
            for (HostFile f : rc.filesFor(h)) {
                if (f.path().endsWith(".yaml")) {
                    TestSupport.yamlDocs(f.text());
                }
            }
        }
        rc.addons().forEach(a -> TestSupport.yamlDocs(a.yaml()));
        Host cp1 = inv.controlPlanes().get(0);
        Map<String, String> api = FlagReferenceTest.renderedFlags(rc, cp1, "kube-apiserver");
        assertEquals("https://[::1]:2379", api.get("--etcd-servers"));
        // core's Cidr prints IPv6 uncompressed; Go parses both forms
        assertEquals("fd00:10:96:0:0:0:0:0/112", api.get("--service-cluster-ip-range"));
        Map<String, String> etcd = FlagReferenceTest.renderedFlags(rc, cp1, "etcd");
        assertEquals("https://[::1]:2379,https://[fd00::11]:2379", etcd.get("--listen-client-urls"));
        assertEquals("cp1=https://[fd00::11]:2380,cp2=https://[fd00::12]:2380", etcd.get("--initial-cluster"));
        Object etcdPod = TestSupport.yamlMap(FlagReferenceTest.file(rc, cp1, "etcd").text());
        assertEquals("::1", TestSupport.at(etcdPod, "spec", "containers", "0", "livenessProbe", "httpGet", "host"));
        assertEquals("fd00:10:96:0:0:0:0:a", TestSupport.at(TestSupport.yamlMap(
                EndpointTest.text(rc, inv.workers().get(0), "/var/lib/kubelet/config.yaml")), "clusterDNS", "0"));
        var flannel = rc.addons().stream().filter(a -> a.name().equals("flannel")).findFirst().orElseThrow();
        assertTrue(flannel.yaml().contains("\"IPv6Network\": \"fd00:10:244:0:0:0:0:0/56\""), flannel.yaml());
        String cfg = EndpointTest.text(rc, inv.workers().get(0), "/etc/kubeferry/apiserver-proxy/haproxy.cfg");
        assertTrue(cfg.contains("server cp1 [fd00::11]:6443 check"), cfg);
        if (TestSupport.onPath("haproxy")) {
            Path file = tmp.resolve("haproxy.cfg");
            Files.writeString(file, cfg);
            TestSupport.Proc check = TestSupport.run(List.of("haproxy", "-c", "-f", file.toString()));
            assertEquals(0, check.exit(), check.output());
        }
    }
}
