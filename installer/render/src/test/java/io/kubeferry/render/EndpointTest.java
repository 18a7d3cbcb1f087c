package io.kubeferry.render;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.Addon;
import io.kubeferry.inventory.ApiServerUrls;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One endpoint honoured everywhere workers and kube-proxy look (kubeadm #598, #664). */
class EndpointTest {
    private static final Pattern SERVER = Pattern.compile("(?m)^\\s*server:\\s*\"?([^\"\\s]+)\"?\\s*$");
    private static final Pattern URL = Pattern.compile("https://[^\\s\"',]+");

    @Test
    void everyServerWorkersAndKubeProxySeeIsTheVip() {
        check(Fixtures.ha().build(), "https://" + Fixtures.VIP + ":6443");
    }

    @Test
    void everyServerWorkersAndKubeProxySeeIsTheLocalProxyName() {
        check(Fixtures.ha().localProxy().build(), "https://" + Fixtures.PROXY_NAME + ":6443");
    }

    private void check(Inventory inv, String endpoint) {
        RenderedCluster rc = new RenderService(TemplateSource.builtIn())
                .renderAll(inv, RenderInputs.none().withClusterCa(TestSupport.FAKE_CA_PEM));
        List<String> servers = new ArrayList<>();
        for (Host w : inv.workers()) {
            for (HostFile f : rc.filesFor(w.name())) {
                servers.addAll(find(SERVER, f.text()));
                // no URL on a worker may point at one control-plane node directly
                for (String url : find(URL, f.text())) {
                    for (Host cp : inv.controlPlanes()) {
                        assertFalse(url.contains(cp.internalAddress()), w.name() + " " + f.path() + " uses " + url);
                    }
                }
            }
        }
        for (Addon a : rc.addons()) {
            servers.addAll(find(SERVER, a.yaml()));
        }
        // kube-proxy's kubeconfig and cluster-info both carry one
        assertTrue(servers.size() >= 2, "expected kube-proxy and cluster-info servers, found " + servers);
        for (String s : servers) {
            assertEquals(endpoint, s);
        }
        // kube-proxy's kubeconfig, parsed
        Addon kp = rc.addons().stream().filter(a -> a.name().equals("kube-proxy")).findFirst().orElseThrow();
        Object cm = TestSupport.yamlDocs(kp.yaml()).stream()
                .filter(d -> "ConfigMap".equals(TestSupport.at(d, "kind"))).findFirst().orElseThrow();
        String kubeconfig = (String) TestSupport.at(cm, "data", "kubeconfig.conf");
        assertEquals(endpoint, TestSupport.at(TestSupport.yamlMap(kubeconfig), "clusters", "0", "cluster", "server"));
        // and the kubelet.conf rule the PKI module uses
        for (Host w : inv.workers()) {
            assertEquals(endpoint, ApiServerUrls.forKubelet(inv, w));
        }
    }

    @Test
    void localProxyMapsTheNameToLoopbackOnWorkersAndToTheOwnApiserverOnControlPlanes() {
        Inventory inv = Fixtures.ha().localProxy().build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        for (Host h : inv.nodes()) {
            String line = text(rc, h, "/etc/kubeferry/hosts.d/control-plane-endpoint").strip();
            String ip = h.isControlPlane() ? h.internalAddress() : "127.0.0.1";
            assertEquals(ip + " " + Fixtures.PROXY_NAME, line, h.name());
        }
        for (Host w : inv.workers()) {
            String cfg = text(rc, w, "/etc/kubeferry/apiserver-proxy/haproxy.cfg");
            assertTrue(cfg.contains("bind 127.0.0.1:6443"), cfg);
            for (Host cp : inv.controlPlanes()) {
                assertTrue(cfg.contains("server " + cp.name() + " " + cp.internalAddress() + ":6443 check"), cfg);
            }
            assertTrue(rc.filesFor(w.name()).stream()
                    .anyMatch(f -> f.path().equals("/etc/kubernetes/manifests/kube-apiserver-proxy.yaml")));
        }
        for (Host cp : inv.controlPlanes()) {
            assertTrue(rc.filesFor(cp.name()).stream().noneMatch(f -> f.path().contains("apiserver-proxy")),
                    "control-plane nodes reach their own apiserver, no proxy");
        }
    }

    @Test
    void noProxyFilesWithAnExternalEndpoint() {
        Inventory inv = Fixtures.ha().build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        for (Host h : inv.nodes()) {
            assertTrue(rc.filesFor(h.name()).stream().noneMatch(f -> f.path().startsWith("/etc/kubeferry/")));
        }
    }

    @Test
    void localProxyOnAnotherPortOrAnIpIsGuarded() {
        Inventory port = Fixtures.ha().endpoint(new ControlPlaneEndpoint(Fixtures.PROXY_NAME, 8443,
                ControlPlaneEndpoint.Mode.LOCAL_PROXY)).build();
        // the inventory loader refuses both, located (InventoryLoaderTest's local-proxy-port.yaml); rendering guards
        assertThrows(IllegalStateException.class, () -> new RenderService(TemplateSource.builtIn()).renderAll(port));
        Inventory ip = Fixtures.ha().endpoint(new ControlPlaneEndpoint("10.20.0.100", 6443,
                ControlPlaneEndpoint.Mode.LOCAL_PROXY)).build();
        assertThrows(IllegalStateException.class, () -> new RenderService(TemplateSource.builtIn()).renderAll(ip));
    }

    @Test
    void controlPlaneKubeletsUseTheirOwnApiserverFrom133() {
        Inventory v132 = Fixtures.ha().version("1.32.9").build();
        Inventory v133 = Fixtures.ha().version("1.33.5").build();
        Host cp1 = v132.controlPlanes().get(0);
        assertEquals("https://" + Fixtures.VIP + ":6443", ApiServerUrls.forKubelet(v132, cp1));
        assertEquals("https://10.20.0.11:6443", ApiServerUrls.forKubelet(v133, cp1));
    }

    @Test
    void flannelIsPinnedToEveryNodesInternalAddressNotItsSshAddress() {
        Inventory base = Fixtures.ha().build();
        List<Host> hosts = new ArrayList<>();
        for (Host h : base.hosts()) {
            // w1 is reached over SSH on a management network; its cluster traffic must stay on 10.20.0.x
            hosts.add(h.name().equals("w1") ? new Host(h.name(), "192.0.2.21", h.internalAddress(), h.ssh(), h.roles(),
                    h.labels(), h.taints()) : h);
        }
        Inventory inv = new Inventory(base.source(), base.cluster(), hosts);
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Addon flannel = rc.addons().stream().filter(a -> a.name().equals("flannel")).findFirst().orElseThrow();
        Object ds = TestSupport.yamlDocs(flannel.yaml()).stream()
                .filter(d -> "DaemonSet".equals(TestSupport.at(d, "kind"))).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> containers = (List<Map<String, Object>>) TestSupport.at(ds, "spec", "template", "spec", "containers");
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) containers.get(0).get("args");
        // flanneld takes the first --iface that is one of its node's addresses: every node's, in inventory order
        assertEquals(inv.nodes().stream().map(h -> "--iface=" + h.internalAddress()).toList(),
                args.stream().filter(a -> a.startsWith("--iface")).toList());
        assertFalse(args.contains("--iface=192.0.2.21"), args.toString());
        assertTrue(args.containsAll(List.of("--ip-masq", "--kube-subnet-mgr")), args.toString());
    }

    @Test
    void coreDnsServiceIsTheTenthServiceAddressAndKubeletPointsAtIt() {
        Inventory inv = Fixtures.ha().build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Addon dns = rc.addons().stream().filter(a -> a.name().equals("coredns")).findFirst().orElseThrow();
        List<Object> docs = TestSupport.yamlDocs(dns.yaml());
        assertEquals(6, docs.size());
        Object svc = docs.stream().filter(d -> "Service".equals(TestSupport.at(d, "kind"))).findFirst().orElseThrow();
        assertEquals("10.96.0.10", TestSupport.at(svc, "spec", "clusterIP"));
        Map<String, Object> kubelet = TestSupport.yamlMap(text(rc, inv.workers().get(0), "/var/lib/kubelet/config.yaml"));
        assertEquals(List.of("10.96.0.10"), kubelet.get("clusterDNS"));
        assertEquals("systemd", kubelet.get("cgroupDriver"));
    }

    @Test
    void singleNodeWithBothRolesUsesItsOwnAddressAndIsNotTainted() {
        Inventory base = Fixtures.ha().size(1, 0).endpoint(new ControlPlaneEndpoint("10.20.0.11", 6443,
                ControlPlaneEndpoint.Mode.SINGLE_NODE)).build();
        Host cp = base.hosts().get(0);
        Host both = new Host(cp.name(), cp.address(), cp.internalAddress(), null,
                java.util.Set.of(io.kubeferry.inventory.Role.CONTROL_PLANE, io.kubeferry.inventory.Role.WORKER),
                Map.of(), List.of());
        Inventory inv = new Inventory(base.source(), base.cluster(), List.of(both));
        RenderedCluster rc = new RenderService(TemplateSource.builtIn())
                .renderAll(inv, RenderInputs.none().withClusterCa(TestSupport.FAKE_CA_PEM));
        for (Addon a : rc.addons()) {
            for (String s : find(SERVER, a.yaml())) {
                assertEquals("https://10.20.0.11:6443", s);
            }
        }
        assertFalse(text(rc, both, "/var/lib/kubelet/kubeadm-flags.env").contains("register-with-taints"),
                "a control-plane node that is also a worker takes workloads");
        assertEquals("cp1=https://10.20.0.11:2380", FlagReferenceTest.renderedFlags(rc, both, "etcd").get("--initial-cluster"));
    }

    static String text(RenderedCluster rc, Host h, String path) {
        return rc.filesFor(h.name()).stream().filter(f -> f.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + path + " on " + h.name())).text();
    }

    private static List<String> find(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.groupCount() > 0 ? m.group(1) : m.group());
        }
        return out;
    }
}
