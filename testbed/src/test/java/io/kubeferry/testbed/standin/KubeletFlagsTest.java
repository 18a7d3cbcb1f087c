package io.kubeferry.testbed.standin;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubeletFlagsTest {

    @Test
    void readsTheFlagsTheRenderedUnitPassesInBothForms() throws Exception {
        KubeletFlags f = KubeletFlags.parse(List.of("--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                "--kubeconfig", "/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml",
                "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock", "--hostname-override=cp1",
                "--node-ip=10.20.0.11", "--pod-infra-container-image=registry.k8s.io/pause:3.10",
                "--register-with-taints=node-role.kubernetes.io/control-plane:NoSchedule", "--fail-swap-on=false", "--v=2",
                "--rotate-certificates"));
        assertEquals("/etc/kubernetes/kubelet.conf", f.get("kubeconfig").orElseThrow());
        assertEquals("cp1", f.get("hostname-override").orElseThrow());
        assertEquals("unix:///var/run/containerd/containerd.sock", f.get("container-runtime-endpoint").orElseThrow());
        assertEquals(false, f.bool("fail-swap-on", true));
        assertEquals(true, f.bool("rotate-certificates", false));
        assertEquals("2", f.get("v").orElseThrow());
    }

    @Test
    void refusesWhatTheRealKubeletRefusesInItsWords() {
        assertEquals("unknown flag: --nosuch", assertThrows(KubeletFlags.BadFlagException.class,
                () -> KubeletFlags.parse(List.of("--kubeconfig=/x", "--nosuch"))).getMessage());
        assertEquals("unknown flag: --network-plugin", assertThrows(KubeletFlags.BadFlagException.class,
                () -> KubeletFlags.parse(List.of("--network-plugin=cni"))).getMessage(), "removed in 1.24: unknown now");
        assertEquals("flag needs an argument: --kubeconfig", assertThrows(KubeletFlags.BadFlagException.class,
                () -> KubeletFlags.parse(List.of("--kubeconfig"))).getMessage());
        assertTrue(assertThrows(KubeletFlags.BadFlagException.class, () -> KubeletFlags.parse(List.of("--fail-swap-on=maybe")))
                .getMessage().startsWith("invalid argument \"maybe\" for \"--fail-swap-on\" flag"));
        assertEquals("unknown command \"extra\" for \"kubelet\"", assertThrows(KubeletFlags.BadFlagException.class,
                () -> KubeletFlags.parse(List.of("extra"))).getMessage());
    }

    @Test
    void anUnknownFlagExitsOneBeforeAnythingStarts() throws Exception {
        assertEquals(1, KubeletStandIn.run(List.of("--nosuch")));
        assertEquals(0, KubeletStandIn.run(List.of("--version")));
    }

    @Test
    void noKubeconfigAndNoBootstrapKubeconfigExitsOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertEquals(1, KubeletStandIn.run(List.of("--kubeconfig=" + dir.resolve("kubelet.conf"),
                "--bootstrap-kubeconfig=" + dir.resolve("bootstrap-kubelet.conf"), "--fail-swap-on=false")));
        assertEquals(1, KubeletStandIn.run(List.of("--config=" + dir.resolve("missing.yaml"))), "a missing --config file");
    }
}
