package io.kubeferry.pki;

import io.kubeferry.host.HostFile;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real three-member etcd cluster (Debian etcd-server) on three test-datacenter hosts, started with the
 * generated etcd/server and etcd/peer certificates, client and peer certificate auth on.
 */
class EtcdClusterTest {
    /** Kept off etcd's default ports so a stray etcd of another test can never answer for ours. */
    private static final int CLIENT_PORT = 12379;
    private static final int PEER_PORT = 12380;
    /** Files go under this prefix inside each host (its own copy-on-write root), not into /etc/kubernetes. */
    private static final String ROOT = "/var/tmp/kubeferry-pki-etcd-test";
    private static final String PKI = ROOT + "/etc/kubernetes/pki";

    @TempDir
    static Path dir;
    @TempDir
    static Path otherDir;
    static Testbed testbed;
    static List<TestHost> hosts;
    static Inventory inventory;
    static Inventory otherCluster;

    @BeforeAll
    static void startEtcd() throws Exception {
        testbed = Testbed.shared(3);
        hosts = testbed.hosts().subList(0, 3);
        List<Host> members = new ArrayList<>();
        for (TestHost h : hosts) {
            members.add(TestClusters.controlPlane(h.name(), h.address()));
        }
        inventory = TestClusters.withHosts(TestClusters.inventory(dir, 0, 0, KeyAlgorithm.RSA_2048, "1.34.1"), members);
        PkiService service = new PkiService();
        service.generate(inventory);
        // a second cluster: its certificates come from other CAs
        otherCluster = TestClusters.withHosts(TestClusters.inventory(otherDir, 0, 0, KeyAlgorithm.ECDSA_P256, "1.34.1"),
                members);
        service.generate(otherCluster);

        String initialCluster = hosts.stream().map(h -> h.name() + "=https://" + h.address() + ":" + PEER_PORT)
                .collect(Collectors.joining(","));
        for (TestHost h : hosts) {
            stopEtcd(h);
            // a clean start, also after a crashed earlier run
            StringBuilder script = new StringBuilder("set -e\nrm -rf " + ROOT + "\n");
            for (HostFile f : service.filesFor(inventory, inventory.host(h.name()).orElseThrow())) {
                script.append(writeFile(ROOT + f.path(), f.content(), f.mode()));
            }
            // the foreign client credentials, for the refusal test
            for (HostFile f : service.filesFor(otherCluster, otherCluster.host(h.name()).orElseThrow())) {
                if (f.path().endsWith("apiserver-etcd-client.crt") || f.path().endsWith("apiserver-etcd-client.key")) {
                    script.append(writeFile(ROOT + "/foreign/" + Path.of(f.path()).getFileName(), f.content(), f.mode()));
                }
            }
            String a = h.address();
            script.append("mkdir -p ").append(ROOT).append("/data && chmod 700 ").append(ROOT).append("/data\n");
            script.append("setsid nohup /usr/bin/etcd")
                    .append(" --name=").append(h.name())
                    .append(" --data-dir=").append(ROOT).append("/data")
                    .append(" --listen-client-urls=https://127.0.0.1:").append(CLIENT_PORT).append(",https://").append(a).append(':').append(CLIENT_PORT)
                    .append(" --advertise-client-urls=https://").append(a).append(':').append(CLIENT_PORT)
                    .append(" --listen-peer-urls=https://").append(a).append(':').append(PEER_PORT)
                    .append(" --initial-advertise-peer-urls=https://").append(a).append(':').append(PEER_PORT)
                    .append(" --initial-cluster=").append(initialCluster)
                    .append(" --initial-cluster-state=new --initial-cluster-token=kubeferry-pki-test")
                    .append(" --listen-metrics-urls=http://127.0.0.1:12381")
                    .append(" --client-cert-auth=true --trusted-ca-file=").append(PKI).append("/etcd/ca.crt")
                    .append(" --cert-file=").append(PKI).append("/etcd/server.crt --key-file=").append(PKI).append("/etcd/server.key")
                    .append(" --peer-client-cert-auth=true --peer-trusted-ca-file=").append(PKI).append("/etcd/ca.crt")
                    .append(" --peer-cert-file=").append(PKI).append("/etcd/peer.crt --peer-key-file=").append(PKI).append("/etcd/peer.key")
                    .append(" --snapshot-count=10000")
                    .append(" </dev/null >").append(ROOT).append("/etcd.log 2>&1 &\n");
            script.append("echo $! > ").append(ROOT).append("/etcd.pid\n");
            ExecResult r = testbed.exec(h, script.toString());
            assertEquals(0, r.exitCode(), h.name() + ": " + r.stdout() + r.stderr());
        }
    }

    @AfterAll
    static void cleanUp() {
        if (hosts == null) {
            return;
        }
        for (TestHost h : hosts) {
            stopEtcd(h);
            testbed.exec(h, "rm -rf " + ROOT);
        }
    }

    /** Stops the etcd this test started on the host (by its recorded pid), if any. */
    private static void stopEtcd(TestHost h) {
        testbed.exec(h, "p=$(cat " + ROOT + "/etcd.pid 2>/dev/null) && [ -n \"$p\" ] && kill \"$p\" 2>/dev/null;"
                + " for i in $(seq 50); do [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null || break; sleep 0.1; done;"
                + " [ -n \"$p\" ] && kill -9 \"$p\" 2>/dev/null; rm -f " + ROOT + "/etcd.pid; true");
    }

    private static String writeFile(String path, byte[] content, int mode) {
        String parent = path.substring(0, path.lastIndexOf('/'));
        return "mkdir -p '" + parent + "'\nprintf '%s' '" + Base64.getEncoder().encodeToString(content)
                + "' | base64 -d > '" + path + "'\nchmod " + Integer.toOctalString(mode) + " '" + path + "'\n";
    }

    private static String endpoints() {
        return hosts.stream().map(h -> "https://" + h.address() + ":" + CLIENT_PORT).collect(Collectors.joining(","));
    }

    private static ExecResult etcdctl(TestHost on, String certBase, String args) {
        return testbed.exec(on, "ETCDCTL_API=3 /usr/bin/etcdctl --dial-timeout=3s --command-timeout=5s --endpoints="
                + endpoints() + " --cacert=" + PKI + "/etcd/ca.crt --cert=" + certBase + ".crt --key=" + certBase
                + ".key " + args);
    }

    /** Polls until all three members answer healthy (they need each other for a quorum). */
    private static ExecResult waitHealthy() throws InterruptedException {
        ExecResult r = null;
        for (int i = 0; i < 60; i++) {
            r = etcdctl(hosts.get(0), PKI + "/etcd/healthcheck-client", "endpoint health");
            if (r.exitCode() == 0) {
                return r;
            }
            Thread.sleep(500);
        }
        String logs = hosts.stream().map(h -> h.name() + ":\n" + testbed.exec(h, "tail -n 20 " + ROOT + "/etcd.log").stdout())
                .collect(Collectors.joining("\n"));
        throw new AssertionError("etcd never became healthy: " + r.stdout() + r.stderr() + "\n" + logs);
    }

    @Test
    void healthcheckClientSeesThreeHealthyMembers() throws Exception {
        ExecResult health = waitHealthy();
        String all = health.stdout() + health.stderr();
        for (TestHost h : hosts) {
            assertTrue(all.contains("https://" + h.address() + ":" + CLIENT_PORT + " is healthy"), all);
        }
        ExecResult members = etcdctl(hosts.get(1), PKI + "/etcd/healthcheck-client", "member list -w simple");
        assertEquals(0, members.exitCode(), members.stderr());
        assertEquals(3, members.stdout().lines().filter(l -> l.contains(", started, ")).count(), members.stdout());
        for (TestHost h : hosts) {
            assertTrue(members.stdout().contains(h.name() + ", https://" + h.address() + ":" + PEER_PORT), members.stdout());
        }
    }

    @Test
    void apiserverEtcdClientCanPutAndGet() throws Exception {
        waitHealthy();
        String value = "written-by-kubeferry-" + System.nanoTime();
        ExecResult put = etcdctl(hosts.get(0), PKI + "/apiserver-etcd-client", "put /registry/kubeferry-test " + value);
        assertEquals(0, put.exitCode(), put.stdout() + put.stderr());
        assertTrue(put.stdout().contains("OK"), put.stdout());
        // read it back through another member: replicated over the peer TLS links
        ExecResult get = testbed.exec(hosts.get(2), "ETCDCTL_API=3 /usr/bin/etcdctl --endpoints=https://"
                + hosts.get(2).address() + ":" + CLIENT_PORT + " --cacert=" + PKI + "/etcd/ca.crt --cert=" + PKI
                + "/apiserver-etcd-client.crt --key=" + PKI + "/apiserver-etcd-client.key get --print-value-only /registry/kubeferry-test");
        assertEquals(0, get.exitCode(), get.stderr());
        assertEquals(value, get.stdout().strip());
    }

    @Test
    void clientCertificatesFromAnotherCaAreRefused() throws Exception {
        waitHealthy();
        String one = "https://" + hosts.get(0).address() + ":" + CLIENT_PORT;
        // control: the same command with our own client certificate works
        ExecResult ok = testbed.exec(hosts.get(0), "ETCDCTL_API=3 /usr/bin/etcdctl --dial-timeout=3s --command-timeout=5s"
                + " --endpoints=" + one + " --cacert=" + PKI + "/etcd/ca.crt --cert=" + PKI + "/apiserver-etcd-client.crt --key="
                + PKI + "/apiserver-etcd-client.key get /registry/kubeferry-test");
        assertEquals(0, ok.exitCode(), ok.stderr());
        // another cluster's etcd client certificate (another etcd CA), and this cluster's front-proxy client
        for (String cert : List.of(ROOT + "/foreign/apiserver-etcd-client", PKI + "/front-proxy-client")) {
            int rejectionsBefore = rejections(hosts.get(0));
            ExecResult refused = testbed.exec(hosts.get(0), "ETCDCTL_API=3 /usr/bin/etcdctl --dial-timeout=3s --command-timeout=5s"
                    + " --endpoints=" + one + " --cacert=" + PKI + "/etcd/ca.crt --cert=" + cert + ".crt --key=" + cert
                    + ".key get /registry/kubeferry-test");
            assertNotEquals(0, refused.exitCode(), cert + " was accepted: " + refused.stdout());
            // the refusal is etcd's TLS client-certificate check (logged by the server), not anything else
            // etcd writes its log line asynchronously: wait for it (bounded) rather than read once right away
            int rejectionsAfter = rejections(hosts.get(0));
            long deadline = System.nanoTime() + LOG_WAIT.toNanos();
            while (rejectionsAfter <= rejectionsBefore && System.nanoTime() < deadline) {
                Thread.sleep(200);
                rejectionsAfter = rejections(hosts.get(0));
            }
            assertTrue(rejectionsAfter > rejectionsBefore, cert + ": etcd logged no rejected client certificate within "
                    + LOG_WAIT.toSeconds() + " s; client said: " + refused.stderr() + "\netcd log:\n" + testbed.exec(hosts.get(0), "tail -n 20 " + ROOT + "/etcd.log").stdout());
        }
    }

    /** How long etcd may take to log a rejected client after the client gave up. */
    private static final java.time.Duration LOG_WAIT = java.time.Duration.ofSeconds(10);

    /** Lines where etcd rejected a TLS client because its certificate does not chain to etcd/ca.crt. */
    private static int rejections(TestHost h) {
        String n = testbed.exec(h, "grep -c 'rejected connection.*certificate signed by unknown authority' " + ROOT
                + "/etcd.log || true").stdout().strip();
        return Integer.parseInt(n.isEmpty() ? "0" : n);
    }
}
