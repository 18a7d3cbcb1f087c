package io.kubeferry.testbed.standin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubeletConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsTheRenderedConfigAndLetsFlagsOverrideIt() throws Exception {
        Path golden = Path.of(System.getProperty("kubeferry.repo.root", "..")).resolve(
                "installer/render/src/test/resources/golden/ha-vip-1.32/cp1/var/lib/kubelet/config.yaml");
        KubeletConfig c = KubeletConfig.read(golden);
        assertEquals(new KubeletConfig("/etc/kubernetes/manifests", "127.0.0.1", 10248, "systemd", true,
                "/etc/kubernetes/pki/ca.crt", "/etc/resolv.conf", true), c);
        KubeletConfig overridden = KubeletConfig.load(KubeletFlags.parse(List.of("--config=" + golden, "--healthz-port=20248",
                "--fail-swap-on=false", "--rotate-certificates=false")));
        assertEquals(false, overridden.rotateCertificates());
        assertEquals(20248, overridden.healthzPort());
        assertEquals(false, overridden.failSwapOn());
    }

    @Test
    void aMissingOrForeignConfigFailsAsTheKubelet() throws Exception {
        Path missing = dir.resolve("config.yaml");
        IOException e = assertThrows(IOException.class, () -> KubeletConfig.read(missing));
        assertTrue(e.getMessage().startsWith("failed to load kubelet config file, path: " + missing), e.getMessage());
        assertTrue(e.getMessage().endsWith("no such file or directory"), e.getMessage());
        Files.writeString(missing, "apiVersion: v1\nkind: Pod\n");
        assertTrue(assertThrows(IOException.class, () -> KubeletConfig.read(missing)).getMessage().contains("no kind \"Pod\""));
    }

    @Test
    void theNodeCarriesLabelsTaintsAddressesAndReadiness() {
        NodeRegistration.NodeSpec spec = new NodeRegistration.NodeSpec("cp1", NodeRegistration.labels("cp1", "zone=a,tier=\"x\""),
                List.of("node-role.kubernetes.io/control-plane:NoSchedule", "dedicated=infra:NoExecute"), "10.20.0.11", "v1.32.9-standin");
        Map<?, ?> node = new Yaml().load(new NodeRegistration(spec, dir.resolve("kubelet.conf")).nodeJson());
        assertEquals(Map.of("kubernetes.io/hostname", "cp1", "kubernetes.io/os", "linux", "kubernetes.io/arch", KubeletStandIn.architecture(),
                "beta.kubernetes.io/os", "linux", "beta.kubernetes.io/arch", KubeletStandIn.architecture(), "zone", "a", "tier", "\"x\""),
                Manifests.path(node, "metadata", "labels"));
        assertEquals(List.of(Map.of("key", "node-role.kubernetes.io/control-plane", "effect", "NoSchedule"),
                Map.of("key", "dedicated", "value", "infra", "effect", "NoExecute")), Manifests.path(node, "spec", "taints"));
        assertEquals(List.of(Map.of("type", "InternalIP", "address", "10.20.0.11"), Map.of("type", "Hostname", "address", "cp1")),
                Manifests.path(node, "status", "addresses"));
        Map<?, ?> ready = (Map<?, ?>) ((List<?>) Manifests.path(node, "status", "conditions")).get(0);
        assertEquals("Ready", ready.get("type"));
        assertEquals("True", ready.get("status"));
        assertEquals("v1.32.9-standin", Manifests.path(node, "status", "nodeInfo", "kubeletVersion"));
    }

    @Test
    void theLauncherExecsThisClassWithQuotedPaths() {
        String script = KubeletStandIn.launcherScript(Path.of("/usr/lib/jvm/java 17/bin/java"), "/a.jar:/b's.jar");
        assertTrue(script.startsWith("#!/bin/sh\n"), script);
        assertTrue(script.contains("exec '/usr/lib/jvm/java 17/bin/java' "), script);
        assertTrue(script.contains(" -cp '/a.jar:/b'\\''s.jar' io.kubeferry.testbed.standin.KubeletStandIn \"$@\"\n"), script);
    }
}
