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
                """, null, null);
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
                """, null, null);
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
                """, null, null);
        assertEquals(List.of(), c);
        assertTrue(HostDiagnosis.describe(c).startsWith("none of the known causes found"));
    }

    private static final io.kubeferry.inventory.Host CP = new io.kubeferry.inventory.Host("cp1", "10.0.0.11", "10.0.0.11", null,
            java.util.Set.of(io.kubeferry.inventory.Role.CONTROL_PLANE), java.util.Map.of(), List.of());
    private static final String HEALTHY_HEAD = """
            kubelet.active=active
            kubelet.healthz=ok
            swap.kb=0
            selinux=absent
            --- journal
            --- exited
            """;

    @Test
    void aPortHeldByAnotherProcessIsNamedWithItsPidOnceForBothAddressFamilies() {
        List<HostDiagnosis.Cause> c = HostDiagnosis.judge(HEALTHY_HEAD + """
                --- listeners
                10259|4242|python3||python3 -m http.server 10259 --bind 127.0.0.1
                10259|4242|python3||python3 -m http.server 10259 --bind 127.0.0.1
                6443|77|java|Kubelet|java -cp /a/long/class/path
                2379|88|etcd|etcd|/usr/local/bin/etcd --name=cp1
                10250|99|kubelet|kubelet|/usr/local/bin/kubelet --config=/var/lib/kubelet/config.yaml
                --- pki
                --- images
                --- end
                """, CP, null);
        assertEquals(1, c.size(), c.toString());
        assertEquals("port 10259, which kube-scheduler needs, is held by python3 (pid 4242): the component cannot listen"
                + " there; stop that process (or move it to another port)", c.get(0).summary());
        assertTrue(c.get(0).evidence().contains("/proc/4242/cmdline: python3 -m http.server 10259"), c.get(0).evidence());
    }

    @Test
    void aCertificateThatDoesNotMatchItsKeyAndSansWithoutTheHostAreNamed() {
        String a = "a".repeat(64), b = "b".repeat(64);
        List<HostDiagnosis.Cause> c = HostDiagnosis.judge(HEALTHY_HEAD + """
                --- listeners
                --- pki
                pair|/etc/kubernetes/pki/apiserver.crt|/etc/kubernetes/pki/apiserver.key|%s|%s
                pair|/etc/kubernetes/pki/ca.crt|/etc/kubernetes/pki/ca.key|%s|%s
                pair|/var/lib/kubelet/pki/kubelet-client-current.pem|/var/lib/kubelet/pki/kubelet-client-current.pem|%s|%s
                pair|/etc/kubernetes/pki/front-proxy-ca.crt|/etc/kubernetes/pki/front-proxy-ca.key|%s|unreadable
                sans|/etc/kubernetes/pki/apiserver.crt|DNS:other,DNS:kubernetes,IPAddress:10.96.0.1,IPAddress:10.0.0.12
                sans|/etc/kubernetes/pki/etcd/server.crt|DNS:cp1,DNS:localhost,IPAddress:10.0.0.11,IPAddress:127.0.0.1,IPAddress:0:0:0:0:0:0:0:1
                --- images
                --- end
                """.formatted(a, b, a, a, b, a, a), CP, null);
        List<String> s = c.stream().map(HostDiagnosis.Cause::summary).toList();
        assertEquals(4, c.size(), s.toString());
        assertTrue(s.get(0).startsWith("the certificate /etc/kubernetes/pki/apiserver.crt does not match its key"
                + " /etc/kubernetes/pki/apiserver.key"), s.get(0));
        assertTrue(c.get(0).evidence().contains(a) && c.get(0).evidence().contains(b), c.get(0).evidence());
        assertTrue(s.get(1).startsWith("the certificate in /var/lib/kubelet/pki/kubelet-client-current.pem does not match the"
                + " key in the same file"), s.get(1));
        assertTrue(s.get(2).startsWith("/etc/kubernetes/pki/front-proxy-ca.key cannot be read as a private key"), s.get(2));
        assertTrue(s.get(3).startsWith("the serving certificate /etc/kubernetes/pki/apiserver.crt does not name this host"
                + " (DNS:cp1, IP:10.0.0.11)"), s.get(3));
    }

    @Test
    void anImageAStaticPodNamesThatContainerdLacksIsNamedWithItsManifest() {
        List<HostDiagnosis.Cause> c = HostDiagnosis.judge(HEALTHY_HEAD + """
                --- listeners
                --- pki
                --- images
                /etc/kubernetes/manifests/etcd.yaml:    image: registry.k8s.io/etcd:3.5.16-0
                /etc/kubernetes/manifests/kube-scheduler.yaml:  - image: "registry.k8s.io/kube-scheduler:v1.33.2"
                /etc/kubernetes/manifests/sidecar.yaml:    image: busybox
                --- containerd
                registry.k8s.io/etcd:3.5.16-0
                sha256:0123
                docker.io/library/busybox:latest
                ctr.exit=0
                --- end
                """, CP, null);
        assertEquals(1, c.size(), c.toString());
        assertTrue(c.get(0).summary().startsWith("image registry.k8s.io/kube-scheduler:v1.33.2 named by"
                + " /etc/kubernetes/manifests/kube-scheduler.yaml is not in containerd (namespace k8s.io)"), c.get(0).summary());
    }

    @Test
    void containerdThatDoesNotAnswerIsTheCauseInsteadOfEveryImage() {
        List<HostDiagnosis.Cause> c = HostDiagnosis.judge(HEALTHY_HEAD + """
                --- listeners
                --- pki
                --- images
                /etc/kubernetes/manifests/etcd.yaml:    image: registry.k8s.io/etcd:3.5.16-0
                --- containerd
                ctr: failed to dial "/run/containerd/containerd.sock": connection refused
                ctr.exit=1
                --- end
                """, CP, null);
        assertEquals(1, c.size(), c.toString());
        assertTrue(c.get(0).summary().startsWith("containerd does not answer (ctr -n k8s.io images ls, exit 1)"), c.get(0).summary());
        assertTrue(c.get(0).evidence().contains("connection refused"), c.get(0).evidence());
    }
}
