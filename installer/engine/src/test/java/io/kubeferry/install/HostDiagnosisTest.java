package io.kubeferry.install;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The judgement of the diagnosis script's output. Swap cannot be switched on inside a test host without switching
 * it on for the whole machine, so its case is checked here; the others also run on the test datacenter (DiagnoseIT).
 */
class HostDiagnosisTest {
    @Test
    void swapIsNamedWithItsSizeAndTheFix() {
        List<HostDiagnosis.Cause> c = HostDiagnosis.judge("""
                kubelet.active=activating
                swap.kb=2097148
                selinux=absent
                kubelet.cgroupDriver=systemd
                containerd.systemdCgroup=true
                --- journal
                kubelet: E1203 running with swap on is not supported, please disable swap!
                --- exited
                --- end
                """, null);
        assertEquals(2, c.size(), c.toString());
        assertTrue(c.get(0).summary().startsWith("swap is on (2047 MiB)"), c.toString());
        assertTrue(c.get(1).summary().contains("not running (systemctl is-active kubelet: activating)"), c.toString());
        assertTrue(c.get(1).evidence().contains("running with swap on is not supported"), c.toString());
    }

    @Test
    void aKubeletThatRunsWithoutAnsweringHealthzIsNamedWithItsJournal() {
        List<HostDiagnosis.Cause> c = HostDiagnosis.judge("""
                kubelet.active=active
                kubelet.healthz=
                swap.kb=0
                selinux=absent
                --- journal
                kubelet: failed to run Kubelet: validate service connection: dial unix /run/containerd/containerd.sock
                --- exited
                --- end
                """, null);
        assertEquals(1, c.size(), c.toString());
        assertTrue(c.get(0).summary().startsWith("the kubelet runs but its /healthz"), c.toString());
        assertTrue(c.get(0).evidence().contains("containerd.sock"), c.toString());
    }

    @Test
    void aHealthyHostHasNoCause() {
        List<HostDiagnosis.Cause> c = HostDiagnosis.judge("""
                kubelet.active=active
                kubelet.healthz=ok
                swap.kb=0
                selinux=Permissive
                kubelet.cgroupDriver=systemd
                containerd.systemdCgroup=true
                --- journal
                --- exited
                --- end
                """, null);
        assertEquals(List.of(), c);
        assertTrue(HostDiagnosis.describe(c).startsWith("none of the known causes found"));
    }
}
