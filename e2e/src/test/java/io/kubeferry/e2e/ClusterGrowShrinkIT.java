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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A running cluster grown and shrunk on the test datacenter: 1 control plane + 1 worker installed (local-proxy mode,
 * so every node's haproxy lists the control planes); a worker and a control plane added in one {@code add-node} (the
 * worker's Node Ready, etcd 2 voting members: the new one joined as a learner and was promoted), a third control
 * plane (3 members); then the worker removed (its Node gone) and a control plane removed (its member gone, 2 left,
 * the cluster still serving through the endpoint; before that, with a member's etcd stopped, the removal is refused
 * as it would break the quorum); then the removed control plane added again (3 members), killed (sshd, kubelet,
 * containerd and its containers stopped) and removed with {@code --unreachable}. After every step an apply with the
 * inventory as it then is
 * changes nothing. etcd is checked with the real etcdctl (Go TLS) and the generated healthcheck client. Kubelet and
 * API server STAND-INs as in {@link InstallIT}; etcd, containerd, haproxy, sshd are real.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterGrowShrinkIT {
    static final String PROXY_CONFIG = "/etc/kubeferry/apiserver-proxy/haproxy.cfg";
    static final Path ETCDCTL = Path.of("/var/lib/kubeferry-tools/trixie/usr/bin/etcdctl");
    static TestBundle bundle;
    static Testbed tb;
    static Path dir;
    static Path inventory;
    static Path admin;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(5);
        bundle = TestBundle.shared();
        dir = Files.createTempDirectory("kubeferry-grow-it");
        admin = dir.resolve(".kubeferry/grow/pki/admin.conf");
    }

    /** The inventory with these hosts (1: control plane kf-h1, 2: worker kf-h2, 3: worker, 4 and 5: control planes). */
    private static Path inventory(int... hosts) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i : hosts) {
            String role = i == 2 || i == 3 ? "worker" : "control-plane";
            lines.add("  - {name: kf-h" + i + ", address: 10.250.0.1" + i + ", roles: [" + role + "]}");
        }
        inventory = Install.writeInventory(dir, """
                cluster:
                  name: grow
                  kubernetesVersion: %s
                  controlPlaneEndpoint: {mode: local-proxy}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                %s
                """.formatted(TestBundle.KUBERNETES_VERSION, tb.privateKey(), tb.knownHosts(), String.join("\n", lines)));
        return inventory;
    }

    /** {@code etcdctl member list} on kf-h1 with its generated healthcheck client: one line per member. */
    private static List<String> members() {
        var r = tb.exec(tb.host(1), ETCDCTL + " --endpoints=https://10.250.0.11:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt"
                + " --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key"
                + " --dial-timeout=5s --command-timeout=10s member list -w simple");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        return r.stdout().lines().filter(l -> !l.isBlank()).toList();
    }

    /** Every listed member started and voting (etcdctl's last column is IS LEARNER), with these names. */
    private static void assertVotingMembers(String... names) {
        List<String> members = members();
        assertEquals(names.length, members.size(), String.join("\n", members));
        for (String name : names) {
            assertTrue(members.stream().anyMatch(l -> l.contains(", started, " + name + ", ") && l.endsWith(", false")),
                    name + " is not a started voting member:\n" + String.join("\n", members));
        }
        var health = tb.exec(tb.host(1), ETCDCTL + " --cluster --endpoints=https://10.250.0.11:2379"
                + " --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt"
                + " --key=/etc/kubernetes/pki/etcd/healthcheck-client.key --dial-timeout=5s --command-timeout=10s endpoint health");
        assertEquals(0, health.exitCode(), health.stdout() + health.stderr());
    }

    private static void applyChangesNothing() throws Exception {
        Install.Run again = Install.run(bundle, "apply", "-i", inventory.toString());
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.output().contains("Nothing changed"), "a re-apply changed something:\n" + again.output());
    }

    private static Install.Run nodes(String server) throws Exception {
        return Install.kubectl(admin, server, "get", "nodes", "-o",
                "custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type==\"Ready\")].status", "--no-headers");
    }

    @Test
    @Order(1)
    void oneControlPlaneAndOneWorkerComeUp() throws Exception {
        Install.Run r = Install.run(bundle, "apply", "-i", inventory(1, 2).toString());
        assertEquals(0, r.exit(), r.toString());
        assertVotingMembers("kf-h1");
        String manifest = tb.exec(tb.host(1), "cat /etc/kubernetes/manifests/etcd.yaml").stdout();
        assertTrue(manifest.contains("--initial-cluster-state=new"), manifest);
    }

    @Test
    @Order(2)
    void aWorkerAndAControlPlaneAreAdded() throws Exception {
        String h1Manifest = tb.exec(tb.host(1), "sha256sum /etc/kubernetes/manifests/etcd.yaml").stdout();
        Install.Run unknown = Install.run(bundle, "add-node", "kf-h3", "kf-h9", "-i", inventory(1, 2, 3, 4).toString());
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.output().contains("kf-h9"), unknown.output());

        Install.Run r = Install.run(bundle, "add-node", "kf-h3", "kf-h4", "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("added to etcd as a learner"), r.output());
        assertTrue(r.output().contains("etcd member promoted to voting member"), r.output());
        assertVotingMembers("kf-h1", "kf-h4");

        // the new member started "existing" with the initial cluster etcd gave; kf-h1's etcd was not touched
        String h4 = tb.exec(tb.host(4), "cat /etc/kubernetes/manifests/etcd.yaml").stdout();
        assertTrue(h4.contains("--initial-cluster-state=existing"), h4);
        assertTrue(h4.contains("kf-h1=https://10.250.0.11:2380") && h4.contains("kf-h4=https://10.250.0.14:2380"), h4);
        assertEquals(h1Manifest, tb.exec(tb.host(1), "sha256sum /etc/kubernetes/manifests/etcd.yaml").stdout());
        // etcd lists the members by ID: any order
        assertEquals(java.util.Set.of("kf-h1=https://10.250.0.11:2380", "kf-h4=https://10.250.0.14:2380"),
                java.util.Set.of(Files.readString(dir.resolve(".kubeferry/grow/etcd/joins/kf-h4")).strip().split(",")));
        assertEquals("kf-h1=https://10.250.0.11:2380", Files.readString(dir.resolve(".kubeferry/grow/etcd/initial-cluster")).strip(),
                "the first install's initial cluster, recorded once the cluster ran");

        Install.Run nodes = nodes("https://10.250.0.14:6443");
        assertEquals(0, nodes.exit(), nodes.output());
        assertTrue(nodes.output().lines().anyMatch(l -> l.startsWith("kf-h3") && l.contains("True")), nodes.output());
        assertTrue(nodes.output().lines().anyMatch(l -> l.startsWith("kf-h4") && l.contains("True")), nodes.output());
        // every node's local proxy now lists both control planes
        String cfg = tb.exec(tb.host(2), "cat " + PROXY_CONFIG).stdout();
        assertTrue(cfg.contains("10.250.0.14"), "kf-h2's proxy does not list kf-h4:\n" + cfg);
        applyChangesNothing();
    }

    @Test
    @Order(3)
    void aThirdControlPlaneMakesThreeMembers() throws Exception {
        Install.Run dry = Install.run(bundle, "add-node", "kf-h5", "-i", inventory(1, 2, 3, 4, 5).toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.output().contains("etcd member add --learner https://10.250.0.15:2380"), dry.output());
        assertVotingMembers("kf-h1", "kf-h4"); // a dry run adds no learner

        Install.Run r = Install.run(bundle, "add-node", "kf-h5", "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertVotingMembers("kf-h1", "kf-h4", "kf-h5");
        applyChangesNothing();
    }

    /**
     * With kf-h5's etcd stopped, removing kf-h4 would leave 2 members of which only kf-h1 is healthy: refused (exit 3)
     * with the numbers, before anything is changed; kf-h5's etcd then comes back.
     */
    @Test
    @Order(4)
    void removingAMemberThatWouldBreakQuorumIsRefused() throws Exception {
        TestHost h5 = tb.host(5);
        String manifest = "/etc/kubernetes/manifests/etcd.yaml";
        assertEquals(0, tb.exec(h5, "mv " + manifest + " /root/etcd.yaml.stopped").exitCode());
        try {
            waitFor("kf-h5's etcd to stop", () -> tb.exec(tb.host(1), health("https://10.250.0.15:2379")).exitCode() != 0);
            Install.Run r = Install.run(bundle, "remove-node", "kf-h4", "-i", inventory.toString());
            assertEquals(3, r.exit(), r.toString());
            assertTrue(r.output().contains("would break etcd's quorum: 2 members would remain, 2 must be healthy, only 1 are"),
                    r.output());
        } finally {
            tb.exec(h5, "mv /root/etcd.yaml.stopped " + manifest);
        }
        waitFor("kf-h5's etcd to be back", () -> tb.exec(tb.host(1), health("https://10.250.0.15:2379")).exitCode() == 0);
        assertVotingMembers("kf-h1", "kf-h4", "kf-h5");
        assertTrue(tb.exec(tb.host(4), "test -f " + manifest).exitCode() == 0, "kf-h4 was touched");
    }

    private static String health(String endpoint) {
        return ETCDCTL + " --endpoints=" + endpoint + " --cacert=/etc/kubernetes/pki/etcd/ca.crt"
                + " --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key"
                + " --dial-timeout=3s --command-timeout=5s endpoint health";
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited 120 s for " + what);
            }
            Thread.sleep(1000);
        }
    }

    @Test
    @Order(5)
    void theWorkerIsRemoved() throws Exception {
        Install.Run dry = Install.run(bundle, "remove-node", "kf-h3", "-i", inventory.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.output().contains("drain, delete the Node, clean every component off the host"), dry.output());
        assertTrue(nodes("https://10.250.0.11:6443").output().contains("kf-h3"), "a dry run removed the Node");

        Install.Run r = Install.run(bundle, "remove-node", "kf-h3", "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        Install.Run nodes = nodes("https://10.250.0.11:6443");
        assertEquals(0, nodes.exit(), nodes.output());
        assertFalse(nodes.output().contains("kf-h3"), nodes.output());
        // the host is clean: no kubelet, no kubeconfig, no PKI
        TestHost h3 = tb.host(3);
        var left = tb.exec(h3, "ls /etc/kubernetes/kubelet.conf /var/lib/kubelet/config.yaml /etc/kubernetes/pki/ca.crt 2>/dev/null");
        assertEquals("", left.stdout().strip(), "left on kf-h3");
        inventory(1, 2, 4, 5);
        applyChangesNothing();
    }

    @Test
    @Order(6)
    void aControlPlaneIsRemovedAndTheClusterKeepsServing() throws Exception {
        Install.Run last = Install.run(bundle, "remove-node", "kf-h1", "kf-h4", "kf-h5", "-i", inventory.toString());
        assertEquals(2, last.exit(), last.toString());
        assertTrue(last.output().contains("every control plane"), last.output());

        Install.Run r = Install.run(bundle, "remove-node", "kf-h4", "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertVotingMembers("kf-h1", "kf-h5");
        var etcdLeft = tb.exec(tb.host(4), "find /etc/kubernetes/manifests /var/lib/etcd -mindepth 1 2>/dev/null");
        assertEquals("", etcdLeft.stdout().strip(), "left on kf-h4");
        assertFalse(Files.exists(dir.resolve(".kubeferry/grow/etcd/joins/kf-h4")));

        Install.Run nodes = nodes("https://10.250.0.15:6443");
        assertEquals(0, nodes.exit(), nodes.output());
        assertFalse(nodes.output().contains("kf-h4"), nodes.output());
        // through the endpoint: the worker's local proxy, with its own kubelet.conf
        var viaProxy = tb.exec(tb.host(2), "kubectl --kubeconfig /etc/kubernetes/kubelet.conf get node kf-h2 -o name");
        assertEquals(0, viaProxy.exitCode(), viaProxy.stdout() + viaProxy.stderr());
        assertTrue(viaProxy.stdout().contains("node/kf-h2"), viaProxy.stdout());
        String cfg = tb.exec(tb.host(2), "cat " + PROXY_CONFIG).stdout();
        assertTrue(cfg.contains("10.250.0.15") && !cfg.contains("10.250.0.14"), "kf-h2's proxy:\n" + cfg);
        inventory(1, 2, 5);
        applyChangesNothing();
    }

    /**
     * A removed control plane added again joins etcd afresh (3 members); then it dies (sshd, kubelet, containerd and its
     * containers stopped) and is removed with --unreachable: never connected to, its Node deleted without a drain, its
     * member removed (2 left, both healthy), the other hosts brought up to date; the cluster keeps serving.
     */
    @Test
    @Order(7)
    void aRemovedControlPlaneJoinsAgainThenDiesAndIsRemovedUnreachable() throws Exception {
        Install.Run add = Install.run(bundle, "add-node", "kf-h4", "-i", inventory(1, 2, 4, 5).toString());
        assertEquals(0, add.exit(), add.toString());
        assertVotingMembers("kf-h1", "kf-h4", "kf-h5");

        TestHost h4 = tb.host(4);
        tb.stopSsh(h4);
        // the host's own containerd and kubelet (each test host runs its own): its etcd and API server die with them
        tb.exec(h4, "systemctl stop kubelet; ctr -n k8s.io tasks ls -q | while read -r t; do ctr -n k8s.io tasks kill -s SIGKILL \"$t\";"
                + " done; sleep 1; systemctl stop containerd");
        waitFor("kf-h4's etcd to be down", () -> tb.exec(tb.host(1), health("https://10.250.0.14:2379")).exitCode() != 0);

        Install.Run refused = Install.run(bundle, "remove-node", "kf-h4", "-i", inventory.toString());
        assertNotEquals(0, refused.exit(), "without --unreachable the dead host is connected to:\n" + refused);
        assertTrue(refused.output().contains("kf-h4"), refused.output());

        Install.Run r = Install.run(bundle, "remove-node", "kf-h4", "--unreachable", "-i", inventory.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("not cleaned (unreachable)"), r.output());
        assertVotingMembers("kf-h1", "kf-h5");
        Install.Run nodes = nodes("https://10.250.0.11:6443");
        assertEquals(0, nodes.exit(), nodes.output());
        assertFalse(nodes.output().contains("kf-h4"), nodes.output());
        String cfg = tb.exec(tb.host(2), "cat " + PROXY_CONFIG).stdout();
        assertTrue(cfg.contains("10.250.0.15") && !cfg.contains("10.250.0.14"), "kf-h2's proxy:\n" + cfg);
        inventory(1, 2, 5);
        applyChangesNothing();
    }
}
