package io.kubeferry.e2e;

import io.kubeferry.testbed.ExecResult;
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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code cluster.etcd.mode: host-service}: 1 control plane, 1 worker and 3 hosts with only the etcd role, where the
 * bundle's REAL etcd 3.5.16 runs as a host service (started by the systemctl STAND-IN from the rendered unit) with
 * the PKI's server and peer certificates. The API server STAND-IN keeps its objects in that etcd, so the machine's
 * real etcdctl (Go TLS, the control plane's generated apiserver-etcd-client pair) finds three healthy members and the
 * objects the install created under /registry. The etcd hosts are no nodes; a second run changes nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdHostServiceIT {
    static final Path ETCDCTL = Path.of("/var/lib/kubeferry-tools/trixie/usr/bin/etcdctl");
    static final String ENDPOINTS = "https://10.250.0.13:2379,https://10.250.0.14:2379,https://10.250.0.15:2379";
    static TestBundle bundle;
    static Testbed tb;
    static Path dir;
    static Path inventory;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(5);
        bundle = TestBundle.shared();
        dir = Files.createTempDirectory("kubeferry-etcd-host-service-it");
        inventory = Install.writeInventory(dir, """
                cluster:
                  name: hostetcd
                  kubernetesVersion: %s
                  etcd: {mode: host-service}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: kf-h1, address: 10.250.0.11, roles: [control-plane]}
                  - {name: kf-h2, address: 10.250.0.12, roles: [worker]}
                  - {name: 'kf-h[3:5]', address: '10.250.0.[13:15]', roles: [etcd]}
                """.formatted(TestBundle.KUBERNETES_VERSION, tb.privateKey(), tb.knownHosts()));
    }

    @Test
    @Order(1)
    void theApiServerKeepsItsObjectsInThreeEtcdHostServices() throws Exception {
        Install.Run r = Install.run(bundle, "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("Cluster hostetcd (Kubernetes 1.32.9) is up: 2 nodes"), r.output());

        // three members, healthy, found with the control plane's own client pair (the state directory's copy)
        Install.Run health = etcdctl("endpoint", "health");
        assertEquals(0, health.exit(), health.output());
        assertEquals(3, health.output().lines().filter(l -> l.contains("is healthy")).count(), health.output());
        Install.Run members = etcdctl("member", "list");
        assertEquals(0, members.exit(), members.output());
        for (int i = 3; i <= 5; i++) {
            // started, named after its host, peers over TLS at its own address
            assertTrue(members.output().contains(", started, kf-h" + i + ", https://10.250.0.1" + i + ":2380,"), members.output());
        }

        // what the install created through the API lives there (kube-apiserver's /registry/... keys)
        Install.Run keys = etcdctl("get", "/registry/", "--prefix", "--keys-only");
        assertEquals(0, keys.exit(), keys.output());
        for (String key : List.of("/registry/core/configmaps/kube-system/kubeadm-config", "/registry/core/nodes/kf-h1",
                "/registry/core/nodes/kf-h2", "/registry/rbac.authorization.k8s.io/clusterrolebindings/kubeadm:cluster-admins")) {
            assertTrue(keys.output().lines().anyMatch(key::equals), key + " not in etcd:\n" + keys.output());
        }
        // control: another CA's files are refused (the check above could not pass with any files)
        Install.Run foreign = etcdctlWith(dir.resolve(".kubeferry/hostetcd/pki/ca.crt"), "endpoint", "health");
        assertNotEquals(0, foreign.exit(), foreign.output());

        // each member: the bundle's etcd as a host service, nothing of a node
        for (int i = 3; i <= 5; i++) {
            TestHost h = tb.host(i);
            ExecResult service = tb.exec(h, "systemctl is-active etcd && tr '\\0' ' ' < /proc/$(cat /run/systemctl-standin/etcd*.mainpid)/cmdline"
                    + " && test ! -e /etc/kubernetes/manifests/etcd.yaml && test ! -e /etc/kubernetes/kubelet.conf"
                    + " && ! systemctl is-active containerd && ! systemctl is-active kubelet");
            assertEquals(0, service.exitCode(), h.name() + ": " + service.stdout() + service.stderr());
            assertTrue(service.stdout().contains("/usr/local/bin/etcd --"), service.stdout());
            assertTrue(service.stdout().contains("--peer-client-cert-auth=true"), service.stdout());
        }
        // the control plane's API server is pointed at them, and runs no etcd of its own
        ExecResult apiserver = tb.exec(tb.host(1), "cat /etc/kubernetes/manifests/kube-apiserver.yaml;"
                + " test ! -e /etc/kubernetes/manifests/etcd.yaml && echo no-etcd-manifest");
        assertTrue(apiserver.stdout().contains("--etcd-servers=" + ENDPOINTS), apiserver.stdout());
        assertTrue(apiserver.stdout().contains("no-etcd-manifest"), apiserver.stdout());

        Install.Run nodes = Install.kubectl(dir.resolve(".kubeferry/hostetcd/pki/admin.conf"), "https://10.250.0.11:6443",
                "get", "nodes", "-o", "name");
        assertEquals(0, nodes.exit(), nodes.output());
        assertEquals(List.of("node/kf-h1", "node/kf-h2"), nodes.output().lines().sorted().toList(), nodes.output());
    }

    @Test
    @Order(2)
    void aSecondRunChangesNothing() throws Exception {
        Map<String, String> before = Install.snapshots(tb, 5);
        Install.Run r = Install.run(bundle, "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("Nothing changed"), r.output());
        assertEquals(before, Install.snapshots(tb, 5), "a file was rewritten or a service restarted");
    }

    private static Install.Run etcdctl(String... args) throws Exception {
        return etcdctlWith(dir.resolve(".kubeferry/hostetcd/pki/etcd/ca.crt"), args);
    }

    /** The machine's etcdctl (Go) with the control plane's apiserver-etcd-client pair and the given CA. */
    private static Install.Run etcdctlWith(Path ca, String... args) throws Exception {
        Path pki = dir.resolve(".kubeferry/hostetcd/pki");
        return Install.command(List.of(ETCDCTL.toString(), "--endpoints=" + ENDPOINTS, "--dial-timeout=5s",
                "--cacert=" + ca, "--cert=" + pki.resolve("hosts/kf-h1/apiserver-etcd-client.crt"),
                "--key=" + pki.resolve("hosts/kf-h1/apiserver-etcd-client.key")), args);
    }
}
