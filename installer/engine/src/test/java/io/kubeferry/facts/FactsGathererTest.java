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
    void readsInterfacesRuntimesCommandsAndKubelets() {
        HostFacts f = FactsGatherer.parse(UBUNTU + """
                nics=eth0@52:54:00:AB:CD:EF bond0.10@52:54:00:ab:cd:ef\s
                product.uuid=4c4c4544-0044-3310-8051-b4c04f4d3732
                commands.missing=losetup curl\s
                runtimes=socket:/run/docker.sock socket:/var/run/docker.sock service:docker\s
                kubelet.stamp=%s
                kubelet=/usr/local/bin/kubelet|%s|
                kubelet=/usr/bin/kubelet|%s|Kubernetes v1.29.3
                """.formatted("a".repeat(64), "a".repeat(64), "b".repeat(64)), 1_000_000);
        assertEquals(List.of(new HostFacts.Nic("eth0", "52:54:00:ab:cd:ef"), new HostFacts.Nic("bond0.10", "52:54:00:ab:cd:ef")),
                f.interfaces());
        assertEquals("4c4c4544-0044-3310-8051-b4c04f4d3732", f.productUuid());
        assertEquals(List.of("losetup", "curl"), f.missingCommands());
        assertEquals(List.of("socket /run/docker.sock", "service docker"), f.otherRuntimes(), "/var/run is /run");
        assertEquals("a".repeat(64), f.kubeletStamp());
        assertEquals(List.of(new HostFacts.Kubelet("/usr/local/bin/kubelet", "a".repeat(64), ""),
                new HostFacts.Kubelet("/usr/bin/kubelet", "b".repeat(64), "Kubernetes v1.29.3")), f.kubelets());
    }

    @Test
    void withoutSystemdResolvedTheKubeletKeepsItsDefault() {
        HostFacts f = FactsGatherer.parse(UBUNTU.replace("resolved=1", "resolved=0"), 1_000_000);
        assertEquals(Optional.empty(), f.kubeletResolvConf());
    }
}
