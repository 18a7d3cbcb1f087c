package io.kubeferry.e2e;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The three steps on the test datacenter: the test bundle unpacked (TestBundle), an inventory of 3 control planes
 * and 2 workers in local-proxy mode, {@code ./install -i inventory.yaml}. The kubelet is a STAND-IN (the Kubernetes
 * binaries cannot be had here: it runs etcd for real through containerd, the API server STAND-IN from the static
 * pod's flags, haproxy for real); everything else is real: sshd, containerd 1.7 and its image import, etcd 3.5 with
 * TLS, haproxy, kubectl (Go TLS) through the endpoint. Then a second run changes nothing and a dry run says so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallIT {
    static TestBundle bundle;
    static Testbed tb;
    static Path dir;
    static Path inventory;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(5);
        bundle = TestBundle.shared();
        dir = Files.createTempDirectory("kubeferry-install-it");
        inventory = Install.writeInventory(dir, """
                cluster:
                  name: e2e
                  kubernetesVersion: %s
                  controlPlaneEndpoint: {mode: local-proxy}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: 'kf-h[1:3]', address: '10.250.0.[11:13]', roles: [control-plane]}
                  - {name: kf-h4, address: 10.250.0.14, roles: [worker]}
                  # a non-root user whose sudo asks for the password (fed on stdin, never on a command line)
                  - {name: kf-h5, address: 10.250.0.15, roles: [worker], ssh: {user: kfuser, password: '${file:%s}', sudo: password}}
                """.formatted(TestBundle.KUBERNETES_VERSION, tb.privateKey(), tb.knownHosts(), passwordFile()));
    }

    private static Path passwordFile() throws Exception {
        Path pw = Files.createTempFile("kubeferry-pw", "");
        Files.writeString(pw, tb.password() + "\n");
        return pw;
    }

    @Test
    @Order(1)
    void threeControlPlanesAndTwoWorkersComeUp() throws Exception {
        Install.Run r = Install.run(bundle, "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("Cluster e2e (Kubernetes 1.32.9) is up: 5 nodes"), r.output());
        assertTrue(r.output().contains("Time per phase:"), r.output());
        assertFalse(r.output().contains(tb.password()), "the sudo password leaked");

        // the real kubectl (Go TLS) with the generated admin.conf, through a control plane's address
        Path admin = dir.resolve(".kubeferry/e2e/pki/admin.conf");
        Install.Run nodes = Install.kubectl(admin, "https://10.250.0.11:6443", "get", "nodes", "-o",
                "custom-columns=NAME:.metadata.name,TAINTS:.spec.taints[*].key,CP:.metadata.labels.node-role\\.kubernetes\\.io/control-plane",
                "--no-headers");
        assertEquals(0, nodes.exit(), nodes.output());
        for (int i = 1; i <= 5; i++) {
            assertTrue(nodes.output().contains("kf-h" + i), nodes.output());
        }
        assertTrue(nodes.output().lines().anyMatch(l -> l.startsWith("kf-h1") && l.contains("node-role.kubernetes.io/control-plane")),
                "control planes are tainted and labelled:\n" + nodes.output());
        assertTrue(nodes.output().lines().anyMatch(l -> l.startsWith("kf-h4") && l.contains("<none>")), nodes.output());

        // the addons went through the API: kubectl reads them back
        Install.Run cm = Install.kubectl(admin, "https://10.250.0.12:6443", "-n", "kube-system", "get", "configmap",
                "kubeadm-config", "kubelet-config", "-o", "name");
        assertEquals(0, cm.exit(), cm.output());

        // etcd: three real members, checked with etcdctl (Go TLS) and a generated client certificate
        Path pki = dir.resolve(".kubeferry/e2e/pki");
        Path etcdctl = Path.of("/var/lib/kubeferry-tools/trixie/usr/bin/etcdctl");
        TestHost h1 = tb.host(1);
        var health = tb.exec(h1, etcdctl + " --endpoints=https://10.250.0.11:2379,https://10.250.0.12:2379,https://10.250.0.13:2379"
                + " --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt"
                + " --key=/etc/kubernetes/pki/etcd/healthcheck-client.key endpoint health");
        assertEquals(0, health.exitCode(), health.stdout() + health.stderr());
        assertEquals(3, health.stdout().lines().filter(l -> l.contains("is healthy")).count()
                + health.stderr().lines().filter(l -> l.contains("is healthy")).count(), health.stdout() + health.stderr());
        assertTrue(Files.isRegularFile(pki.resolve("ca.key")));

        // a worker reaches the API through its local proxy (real haproxy) with its own kubelet.conf, as its kubelet does
        var viaProxy = tb.exec(tb.host(4), "kubectl --kubeconfig /etc/kubernetes/kubelet.conf get node kf-h4 -o name");
        assertEquals(0, viaProxy.exitCode(), viaProxy.stdout() + viaProxy.stderr());
    }

    @Test
    @Order(2)
    void aSecondRunChangesNothingAndSaysSo() throws Exception {
        Map<String, String> before = Install.snapshots(tb, 5);
        Install.Run r = Install.run(bundle, "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("Nothing changed"), r.output());
        Map<String, String> after = Install.snapshots(tb, 5);
        for (String host : before.keySet()) {
            assertEquals(before.get(host), after.get(host), host + ": a file was rewritten or a service restarted");
        }
    }

    @Test
    @Order(3)
    void aDryRunOnTheInstalledClusterWouldChangeNothing() throws Exception {
        Map<String, String> before = Install.snapshots(tb, 5);
        Install.Run r = Install.run(bundle, "apply", "-i", inventory.toString(), "--dry-run");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("Dry run: nothing would change."), r.output());
        // every API object compared with the cluster's: none would be created or changed
        assertFalse(r.output().contains("through the API] create ") || r.output().contains("through the API] change ")
                || r.output().contains("through the API] apply"), r.output());
        assertFalse(r.output().contains("[Wait for every node and mark it]"), "every node is marked already:\n" + r.output());
        assertFalse(r.output().contains("] write /"), "no host file would be written:\n" + r.output());
        assertEquals(before, Install.snapshots(tb, 5));
    }
    /**
     * {@code certs renew all} on the running cluster: every certificate re-signed with the same CAs, pushed, and what
     * reads them restarted one host at a time, each control plane's API server waited for until it answers
     * {@code /readyz} before the next (kubeadm's rule); the API serves the new certificate, the renewed admin.conf
     * works with the real kubectl, and an apply afterwards finds nothing to change.
     */
    @Test
    @Order(4)
    void renewingEveryCertificateRestartsControlPlanesOneAtATimeAndTheClusterKeepsServing() throws Exception {
        TestHost h1 = tb.host(1);
        String crt = "/etc/kubernetes/pki/apiserver.crt";
        String before = tb.exec(h1, "sha256sum " + crt).stdout();

        Install.Run r = Install.run(bundle, "certs", "renew", "all", "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        int[] ready = new int[3];
        for (int i = 0; i < 3; i++) {
            ready[i] = r.output().indexOf("kf-h" + (i + 1) + ": API server ready again with the new certificates");
            assertTrue(ready[i] >= 0, "kf-h" + (i + 1) + "'s API server was not waited for:\n" + r.output());
        }
        assertTrue(ready[0] < ready[1] && ready[1] < ready[2], "control planes one at a time, in order:\n" + r.output());
        assertNotEquals(before, tb.exec(h1, "sha256sum " + crt).stdout(), "apiserver.crt was not renewed");

        // the restarted API server serves the renewed certificate (seen by a TLS client, not read from the file)
        var served = tb.exec(h1, "openssl s_client -connect 10.250.0.11:6443 </dev/null 2>/dev/null | openssl x509 -noout -serial");
        var onDisk = tb.exec(h1, "openssl x509 -noout -serial -in " + crt);
        assertEquals(0, onDisk.exitCode(), onDisk.stderr());
        assertEquals(onDisk.stdout().trim(), served.stdout().trim(), "the API server still serves its old certificate");

        Path admin = dir.resolve(".kubeferry/e2e/pki/admin.conf");
        Install.Run nodes = Install.kubectl(admin, "https://10.250.0.13:6443", "get", "nodes", "-o", "name");
        assertEquals(0, nodes.exit(), nodes.output());
        assertEquals(5, nodes.output().lines().filter(l -> l.startsWith("node/kf-h")).count(), nodes.output());

        Install.Run again = Install.run(bundle, "-i", inventory.toString());
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.output().contains("Nothing changed"), "an apply after the renewal rewrote something:\n" + again.output());
    }
}
