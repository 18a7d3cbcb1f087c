package io.kubeferry.render;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * etcd members added to a running cluster: a member with a join record starts with {@code existing} and the initial
 * cluster it was added with; the first install's members keep exactly the manifest they were installed with (a
 * re-apply after a join must not restart them), in static-pod and host-service mode.
 */
class EtcdJoinRenderTest {
    private static final String MANIFEST = "/etc/kubernetes/manifests/etcd.yaml";
    private final RenderService svc = new RenderService(TemplateSource.builtIn());

    /** The same inventory with only the first {@code n} control planes (and every other host). */
    private static Inventory firstControlPlanes(Inventory all, int n) {
        List<Host> cps = all.controlPlanes();
        List<Host> hosts = all.hosts().stream().filter(h -> !h.isControlPlane() || cps.indexOf(h) < n).toList();
        return new Inventory(all.source(), all.cluster(), hosts);
    }

    @Test
    void aFirstInstallStartsEveryMemberNewWithAllMembers() {
        Inventory inv = Fixtures.ha().build();
        RenderedCluster rc = svc.renderAll(inv, RenderInputs.none());
        for (Host cp : inv.controlPlanes()) {
            Map<String, String> flags = FlagReferenceTest.renderedFlags(rc, cp, "etcd");
            assertEquals("new", flags.get("--initial-cluster-state"), cp.name());
            assertEquals("cp1=https://10.20.0.11:2380,cp2=https://10.20.0.12:2380,cp3=https://10.20.0.13:2380",
                    flags.get("--initial-cluster"), cp.name());
        }
    }

    @Test
    void aJoinedMemberStartsExistingAndTheFirstMembersKeepTheirManifests() {
        Inventory all = Fixtures.ha().build();
        Inventory first = firstControlPlanes(all, 1);
        Host cp1 = all.controlPlanes().get(0);
        Host cp2 = all.controlPlanes().get(1);
        Host cp3 = all.controlPlanes().get(2);
        String installed = EndpointTest.text(svc.renderAll(first, RenderInputs.none()), cp1, MANIFEST);
        assertTrue(installed.contains("--initial-cluster=cp1=https://10.20.0.11:2380\n"), installed);

        // cp2 joined (recorded as etcd answered member add), then cp3
        String cp2Join = "cp1=https://10.20.0.11:2380,cp2=https://10.20.0.12:2380";
        String cp3Join = "cp2=https://10.20.0.12:2380,cp1=https://10.20.0.11:2380,cp3=https://10.20.0.13:2380";
        RenderedCluster two = svc.renderAll(firstControlPlanes(all, 2), RenderInputs.none().withEtcdJoins(Map.of("cp2", cp2Join)));
        RenderedCluster three = svc.renderAll(all, RenderInputs.none().withEtcdJoins(Map.of("cp2", cp2Join, "cp3", cp3Join)));

        assertEquals(installed, EndpointTest.text(two, cp1, MANIFEST), "cp1 would restart when cp2 joins");
        assertEquals(installed, EndpointTest.text(three, cp1, MANIFEST), "cp1 would restart when cp3 joins");
        assertEquals(EndpointTest.text(two, cp2, MANIFEST), EndpointTest.text(three, cp2, MANIFEST),
                "cp2 would restart when cp3 joins");
        Map<String, String> f2 = FlagReferenceTest.renderedFlags(three, cp2, "etcd");
        assertEquals("existing", f2.get("--initial-cluster-state"));
        assertEquals(cp2Join, f2.get("--initial-cluster"));
        Map<String, String> f3 = FlagReferenceTest.renderedFlags(three, cp3, "etcd");
        assertEquals("existing", f3.get("--initial-cluster-state"));
        assertEquals(cp3Join, f3.get("--initial-cluster"), "the string etcd gave at the join, as it was");
        // the API servers still reach every member through their local one (static-pod mode: kubeadm's local member)
        assertEquals("https://127.0.0.1:2379", FlagReferenceTest.renderedFlags(three, cp3, "kube-apiserver").get("--etcd-servers"));
    }

    @Test
    void removingAFirstInstallMemberLeavesTheOthersManifestsAsTheyWere() {
        Inventory all = Fixtures.ha().build();
        Host cp2 = all.controlPlanes().get(1);
        String installed = EndpointTest.text(svc.renderAll(all, RenderInputs.none()), cp2, MANIFEST);
        String first = "cp1=https://10.20.0.11:2380,cp2=https://10.20.0.12:2380,cp3=https://10.20.0.13:2380";
        Inventory withoutCp1 = new Inventory(all.source(), all.cluster(),
                all.hosts().stream().filter(h -> !h.name().equals("cp1")).toList());
        RenderedCluster after = svc.renderAll(withoutCp1, RenderInputs.none().withEtcdFirstCluster(java.util.Optional.of(first)));
        assertEquals(installed, EndpointTest.text(after, cp2, MANIFEST), "cp2 would restart when cp1 is removed");
    }

    @Test
    void theHostServiceUnitCarriesTheSameJoinFlags() {
        Inventory inv = Fixtures.ha().etcdHostService(3).build();
        Host e1 = inv.etcdMembers().get(0);
        Host e3 = inv.etcdMembers().get(2);
        String join = "e1=https://10.20.0.31:2380,e2=https://10.20.0.32:2380,e3=https://10.20.0.33:2380";
        RenderedCluster rc = svc.renderAll(inv, RenderInputs.none().withEtcdJoins(Map.of(e3.name(), join)));
        Map<String, String> u3 = EtcdModesRenderTest.unitFlags(EndpointTest.text(rc, e3, "/etc/systemd/system/etcd.service"));
        assertEquals("existing", u3.get("--initial-cluster-state"));
        assertEquals(join, u3.get("--initial-cluster"));
        Map<String, String> u1 = EtcdModesRenderTest.unitFlags(EndpointTest.text(rc, e1, "/etc/systemd/system/etcd.service"));
        assertEquals("new", u1.get("--initial-cluster-state"));
        assertEquals("e1=https://10.20.0.31:2380,e2=https://10.20.0.32:2380", u1.get("--initial-cluster"));
    }
}
