package io.kubeferry.facts;

import io.kubeferry.host.HostFacts;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The facts script's output, read into the one HostFacts that preflight and rendering share. */
class FactsGathererTest {
    private static final String UBUNTU = """
            hostname=node-1
            os.id=ubuntu
            os.version=24.04
            os.pretty=Ubuntu 24.04 LTS
            arch=aarch64
            kernel=6.8.0-45-generic
            cgroupfs=cgroup2fs
            swap.kb=2048
            selinux=absent
            disk.varlib.kb=52428800
            mem.kb=8000000
            cpus=4
            ports=22 53 6443
            init=systemd
            containerd=1.7.24
            ip.forward=1
            br.netfilter=0
            resolved=1
            time.ms=1000500
            """;

    @Test
    void readsEveryFactAndTheSystemdResolvedStub() {
        HostFacts f = FactsGatherer.parse(UBUNTU, 1_000_000);
        assertEquals("node-1", f.hostname());
        assertEquals("arm64", f.arch(), "uname -m is turned into Kubernetes' name");
        assertEquals(2, f.cgroupVersion());
        assertEquals(2048, f.swapKb());
        assertEquals("disabled", f.selinux());
        assertEquals(List.of(22, 53, 6443), f.portsInUse());
        assertEquals(0.5, f.clockSkewSeconds(), 1e-9);
        assertTrue(f.ipForward());
        assertFalse(f.brNetfilter());
        assertEquals(Optional.of(HostFacts.SYSTEMD_RESOLVED_RESOLV_CONF), f.kubeletResolvConf());
    }

    @Test
    void withoutSystemdResolvedTheKubeletKeepsItsDefault() {
        HostFacts f = FactsGatherer.parse(UBUNTU.replace("resolved=1", "resolved=0"), 1_000_000);
        assertEquals(Optional.empty(), f.kubeletResolvConf());
    }
}
