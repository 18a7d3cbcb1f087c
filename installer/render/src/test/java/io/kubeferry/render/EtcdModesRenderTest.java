package io.kubeferry.render;

import io.kubeferry.component.Components;
import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.Role;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The etcd modes' files: the host service's unit (same flags as the static pod), the apiserver's etcd servers. */
class EtcdModesRenderTest {
    private static final Pattern UNIT_WORD = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The {@code --flag=value} words of the unit's ExecStart, unquoted as systemd does. */
    static Map<String, String> unitFlags(String unit) {
        String exec = unit.substring(unit.indexOf("ExecStart="), unit.indexOf("\nRestart="));
        Map<String, String> flags = new TreeMap<>();
        Matcher m = UNIT_WORD.matcher(exec);
        while (m.find()) {
            String word = m.group(1).replaceAll("\\\\(.)", "$1").replace("%%", "%").replace("$$", "$");
            String[] kv = word.split("=", 2);
            flags.put(kv[0], kv[1]);
        }
        return flags;
    }

    private static Inventory hostServiceOnControlPlanes(Map<String, Map<String, String>> extraArgs) {
        Inventory base = Fixtures.ha().extraArgs(extraArgs).build();
        List<Host> hosts = new ArrayList<>();
        for (Host h : base.hosts()) {
            EnumSet<Role> roles = EnumSet.copyOf(h.roles());
            if (h.isControlPlane()) {
                roles.add(Role.ETCD);
            }
            hosts.add(new Host(h.name(), h.address(), h.internalAddress(), h.ssh(), roles, h.labels(), h.taints()));
        }
        ClusterSpec c = base.cluster();
        return new Inventory(base.source(), new ClusterSpec(c.name(), c.kubernetesVersion(), c.controlPlaneEndpoint(),
                c.networking(), c.certificates(), c.extraArgs(), c.imageRepository(),
                new EtcdSettings(EtcdSettings.Mode.HOST_SERVICE, Optional.empty())), hosts);
    }

    @Test
    void theUnitRunsTheStaticPodsFlagsAndTheApiServerEveryMember() {
        Map<String, Map<String, String>> extra = Map.of("etcd", Map.of("log-outputs", "stderr", "quota-backend-bytes",
                "8589934592", "experimental-x", "50% \"quoted\" $HOME \\ end"));
        Inventory stacked = Fixtures.ha().extraArgs(extra).build();
        Inventory service = hostServiceOnControlPlanes(extra);
        RenderService svc = new RenderService(TemplateSource.builtIn());
        RenderedCluster podTree = svc.renderAll(stacked);
        RenderedCluster unitTree = svc.renderAll(service);
        for (Host cp : service.controlPlanes()) {
            assertEquals(FlagReferenceTest.renderedFlags(podTree, cp, "etcd"),
                    unitFlags(EndpointTest.text(unitTree, cp, "/etc/systemd/system/etcd.service")), cp.name());
            assertTrue(unitTree.filesFor(cp.name()).stream().noneMatch(f -> f.path().endsWith("manifests/etcd.yaml")));
            assertEquals("https://10.20.0.11:2379,https://10.20.0.12:2379,https://10.20.0.13:2379",
                    FlagReferenceTest.renderedFlags(unitTree, cp, "kube-apiserver").get("--etcd-servers"),
                    "host-service: every member, also on a member");
            assertEquals("https://127.0.0.1:2379", FlagReferenceTest.renderedFlags(podTree, cp, "kube-apiserver").get("--etcd-servers"),
                    "static-pod: kubeadm's local member");
        }
    }

    @Test
    void etcdHostsOfTheirOwnGetTheUnitAndNothingElse() {
        Inventory inv = Fixtures.ha().etcdHostService(3).build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        for (String e : List.of("e1", "e2", "e3")) {
            assertEquals(List.of("/etc/systemd/system/etcd.service"), rc.filesFor(e).stream().map(HostFile::path).toList());
        }
        assertTrue(rc.nodeMetadata().keySet().stream().noneMatch(n -> n.startsWith("e")), "etcd hosts are no nodes");
    }

    @Test
    void externalEtcdInstallsNothingAndPointsTheApiServersAtTheEndpoints() {
        Inventory inv = Fixtures.ha().externalEtcd().build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        assertTrue(rc.components().stream().noneMatch(r -> r.component().name().equals("etcd")));
        for (Host h : inv.hosts()) {
            assertTrue(rc.filesFor(h.name()).stream().noneMatch(f -> f.path().contains("etcd")), h.name());
        }
        for (Host cp : inv.controlPlanes()) {
            Map<String, String> flags = FlagReferenceTest.renderedFlags(rc, cp, "kube-apiserver");
            assertEquals("https://10.30.0.11:2379,https://10.30.0.12:2379,https://etcd-3.example.com:2379", flags.get("--etcd-servers"));
            assertEquals("/etc/kubernetes/pki/etcd/ca.crt", flags.get("--etcd-cafile"));
            assertEquals("/etc/kubernetes/pki/apiserver-etcd-client.crt", flags.get("--etcd-certfile"));
        }
    }

    @Test
    void systemdAnalyzeVerifiesTheEtcdUnit(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(TestSupport.onPath("systemd-analyze"), "systemd-analyze not available; unit check skipped");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path etcd = bin.resolve("etcd");
        Files.writeString(etcd, "#!/bin/sh\n# stand-in for the real etcd (only its path is checked)\nexit 0\n");
        Files.setPosixFilePermissions(etcd, PosixFilePermissions.fromString("rwxr-xr-x"));
        Inventory inv = Fixtures.ha().etcdHostService(1).build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn(),
                io.kubeferry.component.RenderSettings.defaults().withBinDir(bin.toString()), Components.standard()).renderAll(inv);
        Path unit = tmp.resolve("etcd.service");
        Files.writeString(unit, EndpointTest.text(rc, inv.host("e1").orElseThrow(), "/etc/systemd/system/etcd.service"));
        TestSupport.Proc verify = TestSupport.run(List.of("systemd-analyze", "verify", unit.toString()));
        assertEquals(0, verify.exit(), verify.output());
        assertEquals("", verify.output().strip(), "systemd-analyze printed warnings");
        // negative control: a relative binary path is refused
        Files.writeString(unit, Files.readString(unit).replace("ExecStart=" + bin, "ExecStart=relative"));
        assertNotEquals(0, TestSupport.run(List.of("systemd-analyze", "verify", unit.toString())).exit());
    }
}
