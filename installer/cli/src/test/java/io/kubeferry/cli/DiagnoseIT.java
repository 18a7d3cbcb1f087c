package io.kubeferry.cli;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `installer diagnose` on a test host: each cause is made real on the host (a STAND-IN `getenforce` that says
 * Enforcing, since the test machine has no SELinux; a kubelet config and a containerd config whose cgroup
 * drivers differ; no kubelet running; a process on a component's port; certificates made by the host's openssl
 * with the wrong key or SANs; a static pod's image missing from the real containerd) and must be named with its
 * evidence. A healthy-looking host is not blamed.
 */
class DiagnoseIT {
    static Testbed testbed;

    @TempDir
    Path dir;

    @BeforeAll
    static void up() {
        testbed = Testbed.shared(3);
    }

    private Path inventory() throws Exception {
        TestHost h1 = testbed.host(1), h2 = testbed.host(2);
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster: {name: it, kubernetesVersion: 1.33.2}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: %s, address: %s, roles: [control-plane]}
                  - {name: %s, address: %s, roles: [worker], ssh: {user: kfnopass}}
                """.formatted(testbed.privateKey(), testbed.knownHosts(), h1.name(), h1.address(), h2.name(), h2.address()));
        return inv;
    }

    @Test
    void namesSelinuxCgroupMismatchAndAStoppedKubeletWithEvidence() throws Exception {
        TestHost h2 = testbed.host(2);
        Path inv = inventory();
        try {
            exec(h2, "printf '#!/bin/sh\\necho Enforcing\\n' > /usr/local/bin/getenforce && chmod 755 /usr/local/bin/getenforce");
            exec(h2, "mkdir -p /var/lib/kubelet /etc/containerd && printf 'kind: KubeletConfiguration\\ncgroupDriver: cgroupfs\\n'"
                    + " > /var/lib/kubelet/config.yaml && printf '[plugins]\\n  SystemdCgroup = true\\n' > /etc/containerd/config.toml");
            String[] r = MainTest.run("diagnose", "-i", inv.toString(), "--host", h2.name());
            assertEquals("1", r[0], r[1]);
            assertTrue(r[1].contains("SELinux is enforcing"), r[1]);
            assertTrue(r[1].contains("cgroup driver mismatch: the kubelet uses cgroupfs") && r[1].contains("SystemdCgroup = true"), r[1]);
            assertTrue(r[1].contains("the kubelet is not running"), r[1]);
            assertFalse(r[1].contains(testbed.host(1).name() + ":"), "only --host was diagnosed:\n" + r[1]);

            // the same host with the causes taken away: SELinux permissive, drivers agreeing; only the kubelet is left
            exec(h2, "rm -f /usr/local/bin/getenforce && sed -i 's/cgroupfs/systemd/' /var/lib/kubelet/config.yaml");
            r = MainTest.run("diagnose", "-i", inv.toString(), "--host", h2.name());
            assertFalse(r[1].contains("SELinux is enforcing"), r[1]);
            assertFalse(r[1].contains("cgroup driver mismatch"), r[1]);
            assertTrue(r[1].contains("the kubelet is not running"), r[1]);
        } finally {
            exec(h2, "rm -f /usr/local/bin/getenforce /var/lib/kubelet/config.yaml /etc/containerd/config.toml");
        }
    }

    /**
     * On the control plane kf-h1: a python3 HTTP server on kube-scheduler's port 10259; apiserver.crt made with
     * another key than apiserver.key and SANs without the host (etcd/server.crt right, not blamed); a static pod
     * naming an image containerd lacks, first with containerd stopped, then running with only the other pod's image.
     */
    @Test
    void namesAHeldPortABadCertificateAndAMissingImageWithEvidence() throws Exception {
        TestHost h1 = testbed.host(1);
        Path inv = inventory();
        String pki = "/etc/kubernetes/pki";
        String present = "registry.k8s.io/pause:3.10-kf-diagnose";
        boolean containerdWasRunning = testbed.exec(h1, "systemctl is-active containerd").stdout().strip().equals("active");
        exec(h1, "test ! -e /etc/kubernetes || mv /etc/kubernetes /etc/kubernetes.kf-aside");
        try {
            // the server writes its own pid: whatever setsid or the shell fork, the pid is the listener's
            exec(h1, "setsid python3 -c \"import os, http.server; open('/tmp/kf-diagnose-http.pid', 'w').write(str(os.getpid()));"
                    + " http.server.HTTPServer(('127.0.0.1', 10259), http.server.BaseHTTPRequestHandler).serve_forever()\""
                    + " </dev/null >/dev/null 2>&1 &"
                    + " for i in $(seq 100); do ss -ltnH | grep -q '127.0.0.1:10259 ' && [ -s /tmp/kf-diagnose-http.pid ] && exit 0; sleep 0.1; done; exit 1");
            String pid = testbed.exec(h1, "cat /tmp/kf-diagnose-http.pid").stdout().strip();
            String ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1";
            exec(h1, "set -e; mkdir -p " + pki + "/etcd /etc/kubernetes/manifests; cd " + pki
                    + "; openssl req -x509 " + ec + " -keyout /tmp/kf-other.key -out apiserver.crt -subj /CN=kube-apiserver"
                    + " -addext 'subjectAltName=DNS:kubernetes,IP:10.96.0.1' 2>/dev/null"
                    + "; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out apiserver.key"
                    + "; openssl req -x509 " + ec + " -keyout etcd/server.key -out etcd/server.crt -subj /CN=" + h1.name()
                    + " -addext 'subjectAltName=DNS:" + h1.name() + ",DNS:localhost,IP:" + h1.address() + ",IP:127.0.0.1' 2>/dev/null"
                    + "; rm -f /tmp/kf-other.key"
                    + "; printf 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-scheduler\n"
                    + "    image: registry.k8s.io/kube-scheduler:v1.33.2\n' > /etc/kubernetes/manifests/kube-scheduler.yaml"
                    + "; printf 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: pause\n    image: " + present
                    + "\n' > /etc/kubernetes/manifests/pause.yaml");
            if (containerdWasRunning) {
                exec(h1, "systemctl stop containerd");
            }
            String[] r = MainTest.run("diagnose", "-i", inv.toString(), "--host", h1.name());
            assertEquals("1", r[0], r[1]);
            assertTrue(r[1].contains("port 10259, which kube-scheduler needs, is held by python3 (pid " + pid + ")"), r[1]);
            assertTrue(r[1].contains("/proc/" + pid + "/cmdline: ") && r[1].contains("http.server.HTTPServer(('127.0.0.1', 10259)"), r[1]);
            assertTrue(r[1].contains("the certificate " + pki + "/apiserver.crt does not match its key " + pki + "/apiserver.key"), r[1]);
            assertTrue(r[1].contains("the serving certificate " + pki + "/apiserver.crt does not name this host (DNS:" + h1.name()
                    + ", IP:" + h1.address() + ")"), r[1]);
            assertFalse(r[1].contains("etcd/server.crt"), "the right etcd certificate is not blamed:\n" + r[1]);
            assertTrue(r[1].contains("containerd does not answer (ctr -n k8s.io images ls"), r[1]);

            // containerd up, holding the pause pod's image but not the scheduler's
            Path image = io.kubeferry.testbed.standin.StandInImages.writeBusyboxImage(dir.resolve("pause.tar"), present);
            testbed.copyTo(h1, image, "/tmp/kf-diagnose-pause.tar");
            exec(h1, "systemctl start containerd && for i in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done;"
                    + " ctr -n k8s.io images import /tmp/kf-diagnose-pause.tar >/dev/null && rm -f /tmp/kf-diagnose-pause.tar");
            r = MainTest.run("diagnose", "-i", inv.toString(), "--host", h1.name());
            assertEquals("1", r[0], r[1]);
            assertTrue(r[1].contains("image registry.k8s.io/kube-scheduler:v1.33.2 named by /etc/kubernetes/manifests/kube-scheduler.yaml"
                    + " is not in containerd (namespace k8s.io)"), r[1]);
            assertFalse(r[1].contains("image " + present), "an image containerd has is not blamed:\n" + r[1]);
            assertFalse(r[1].contains("containerd does not answer"), r[1]);

            // the causes taken away: none of them is named
            exec(h1, "kill $(cat /tmp/kf-diagnose-http.pid); rm -rf /etc/kubernetes;"
                    + " for i in $(seq 50); do ss -ltnH | grep -q '127.0.0.1:10259 ' || exit 0; sleep 0.1; done; exit 1");
            r = MainTest.run("diagnose", "-i", inv.toString(), "--host", h1.name());
            assertFalse(r[1].contains("which kube-scheduler needs") || r[1].contains("does not match its key")
                    || r[1].contains("does not name this host") || r[1].contains("is not in containerd")
                    || r[1].contains("containerd does not answer"), r[1]);
        } finally {
            testbed.exec(h1, "kill $(cat /tmp/kf-diagnose-http.pid 2>/dev/null) 2>/dev/null; rm -f /tmp/kf-diagnose-http.pid /tmp/kf-diagnose-pause.tar;"
                    + " ctr -n k8s.io images rm " + present + " >/dev/null 2>&1; rm -rf /etc/kubernetes;"
                    + " if [ -e /etc/kubernetes.kf-aside ]; then mv /etc/kubernetes.kf-aside /etc/kubernetes; fi");
            testbed.exec(h1, containerdWasRunning ? "systemctl start containerd" : "systemctl stop containerd");
        }
    }

    @Test
    void anUnknownHostIsBadInput() throws Exception {
        String[] r = MainTest.run("diagnose", "-i", inventory().toString(), "--host", "nosuch");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("no node named 'nosuch'"), r[1]);
    }

    private static void exec(TestHost h, String cmd) throws Exception {
        var r = testbed.exec(h, cmd);
        assertEquals(0, r.exitCode(), cmd + ": " + r.stderr());
    }
}
