package io.kubeferry.e2e;

import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code cluster.etcd.mode: external}: the test runs "the user's etcd" itself, a REAL etcd 3.5.16 (Debian 13's) with
 * TLS and client-certificate auth on kf-h3, which is not in the inventory, with a CA, server and client certificate
 * the test makes with openssl. Then 1 control plane + 1 worker are installed pointing at it (caFile, certFile, keyFile
 * relative to the inventory): the API server STAND-IN keeps its objects there (read back with the machine's etcdctl
 * and the test's client certificate) and nothing etcd-related is installed on the cluster's hosts. Before that, a
 * client pair of another CA and a closed port each stop the install before anything is written to any host (exit 2,
 * the endpoint named with what to do), in a dry run too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalEtcdIT {
    static final Path ETCD = Path.of("/var/lib/kubeferry-tools/trixie/usr/bin/etcd");
    static final Path ETCDCTL = Path.of("/var/lib/kubeferry-tools/trixie/usr/bin/etcdctl");
    static final String ETCD_ADDRESS = "10.250.0.13";
    static final String ENDPOINT = "https://" + ETCD_ADDRESS + ":2379";
    /** On the etcd host (its /tmp is its own, so not there). */
    static final String ROOT = "/var/tmp/kubeferry-external-etcd";
    static TestBundle bundle;
    static Testbed tb;
    static TestHost etcdHost;
    static Path dir;
    /** {@link Install#snapshots} of kf-h1 and kf-h2 as made, before any run. */
    static java.util.Map<String, String> untouched;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(3);
        bundle = TestBundle.shared();
        dir = Files.createTempDirectory("kubeferry-external-etcd-it");
        etcdHost = tb.host(3);
        untouched = Install.snapshots(tb, 2);
        makeCertificates(dir.resolve("etcd"));
        startEtcd(dir.resolve("etcd"));
    }

    @AfterAll
    static void stopEtcd() {
        if (etcdHost != null) {
            tb.exec(etcdHost, "p=$(cat " + ROOT + "/etcd.pid 2>/dev/null) && kill \"$p\" 2>/dev/null; true");
        }
    }

    /**
     * The user's PKI, made apart from Kubeferry's: etcd's CA, its server and a client; another CA with its client. The
     * server certificate is also a client one, as etcd's guides make it: etcd's JSON gateway (which the API server
     * stand-in uses) dials etcd's own gRPC port with it, and with --client-cert-auth that needs clientAuth.
     */
    private static void makeCertificates(Path pki) throws Exception {
        Files.createDirectories(pki);
        String script = """
                set -e
                cat > ext.cnf <<'EOF'
                [req]
                distinguished_name = dn
                [dn]
                [ca]
                basicConstraints = critical, CA:TRUE
                keyUsage = critical, keyCertSign, cRLSign
                subjectKeyIdentifier = hash
                [server]
                basicConstraints = CA:FALSE
                keyUsage = critical, digitalSignature
                extendedKeyUsage = serverAuth, clientAuth
                subjectAltName = IP:%s
                [client]
                basicConstraints = CA:FALSE
                keyUsage = critical, digitalSignature
                extendedKeyUsage = clientAuth
                EOF
                ca() {
                  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.crt" \\
                    -days 2 -subj "/CN=$1" -config ext.cnf -extensions ca
                }
                leaf() {
                  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \\
                    -subj "/CN=$1" -config ext.cnf
                  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" -days 2 \\
                    -extfile ext.cnf -extensions "$3"
                }
                ca etcd-ca; leaf server etcd-ca server; leaf apiserver-client etcd-ca client
                ca other-ca; leaf other-client other-ca client
                """.formatted(ETCD_ADDRESS);
        Process p = new ProcessBuilder("bash", "-c", script).directory(pki.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl: " + out);
    }

    private static void startEtcd(Path pki) throws Exception {
        ExecResult mk = tb.exec(etcdHost, "rm -rf " + ROOT + " && mkdir -p " + ROOT + "/data && chmod 700 " + ROOT + "/data");
        assertEquals(0, mk.exitCode(), mk.stderr());
        for (String f : List.of("etcd-ca.crt", "server.crt", "server.key")) {
            tb.copyTo(etcdHost, pki.resolve(f), ROOT + "/" + f);
        }
        ExecResult start = tb.exec(etcdHost, "setsid nohup " + ETCD + " --name=users-etcd --data-dir=" + ROOT + "/data"
                + " --listen-client-urls=" + ENDPOINT + " --advertise-client-urls=" + ENDPOINT
                + " --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380"
                + " --initial-cluster=users-etcd=http://127.0.0.1:2380 --listen-metrics-urls=http://127.0.0.1:2381"
                + " --client-cert-auth=true --trusted-ca-file=" + ROOT + "/etcd-ca.crt"
                + " --cert-file=" + ROOT + "/server.crt --key-file=" + ROOT + "/server.key"
                + " </dev/null >" + ROOT + "/etcd.log 2>&1 & echo $! > " + ROOT + "/etcd.pid");
        assertEquals(0, start.exitCode(), start.stderr());
        Install.Run health = null;
        for (int i = 0; i < 60; i++) {
            health = etcdctl("endpoint", "health");
            if (health.exit() == 0) {
                return;
            }
            Thread.sleep(500);
        }
        fail("the test's etcd never answered healthy: " + health + "\n" + tb.exec(etcdHost, "tail -n 20 " + ROOT + "/etcd.log").stdout());
    }

    /** The machine's etcdctl (Go) with the user's CA and client pair. */
    private static Install.Run etcdctl(String... args) throws Exception {
        Path pki = dir.resolve("etcd");
        return Install.command(List.of(ETCDCTL.toString(), "--endpoints=" + ENDPOINT, "--dial-timeout=5s",
                "--cacert=" + pki.resolve("etcd-ca.crt"), "--cert=" + pki.resolve("apiserver-client.crt"),
                "--key=" + pki.resolve("apiserver-client.key")), args);
    }

    /** An inventory in its own folder (files relative to it: ../etcd/...), pointing at {@code endpoint}. */
    private static Path inventory(String name, String endpoint, String ca, String clientPair) throws Exception {
        return Install.writeInventory(dir.resolve(name), """
                cluster:
                  name: extetcd
                  kubernetesVersion: %s
                  etcd:
                    mode: external
                    external:
                      endpoints: [%s]
                      caFile: ../etcd/%s.crt
                      certFile: ../etcd/%s.crt
                      keyFile: ../etcd/%s.key
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: kf-h1, address: 10.250.0.11, roles: [control-plane]}
                  - {name: kf-h2, address: 10.250.0.12, roles: [worker]}
                """.formatted(TestBundle.KUBERNETES_VERSION, endpoint, ca, clientPair, clientPair, tb.privateKey(), tb.knownHosts()));
    }

    /** The cluster hosts' files under the install's directories and their services' pids are as before any run. */
    private static void assertNothingWritten() {
        assertEquals(untouched, Install.snapshots(tb, 2), "a cluster host was written to before the external etcd was checked");
    }

    @Test
    @Order(1)
    void aCaThatDidNotSignEtcdsCertificateStopsTheInstallBeforeAnyWrite() throws Exception {
        // a pair the loader accepts (the CA signed the client) but etcd's server certificate is not signed by that CA
        Path inv = inventory("wrong-ca", ENDPOINT, "other-ca", "other-client");
        for (String mode : List.of("--dry-run", "")) {
            Install.Run r = mode.isEmpty() ? Install.run(bundle, "apply", "-i", inv.toString())
                    : Install.run(bundle, "apply", "-i", inv.toString(), mode);
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.output().contains("inventory.yaml (cluster.etcd.external.endpoints[0]): " + ENDPOINT
                    + ", checked from kf-h1"), r.output());
            assertTrue(r.output().contains("the server's certificate is not signed by caFile"), r.output());
            assertTrue(r.output().contains("give the CA that signed your etcd members' certificates"), r.output());
            assertFalse(r.output().contains("==> Preflight"), "the check comes before preflight's fixes:\n" + r.output());
            assertNothingWritten();
        }
    }

    @Test
    @Order(2)
    void aClosedPortStopsTheInstallBeforeAnyWrite() throws Exception {
        String closed = "https://" + ETCD_ADDRESS + ":2390";
        Install.Run r = Install.run(bundle, "apply", "-i", inventory("closed-port", closed, "etcd-ca", "apiserver-client").toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.output().contains("(cluster.etcd.external.endpoints[0]): " + closed + ", checked from kf-h1"), r.output());
        assertTrue(r.output().contains("closed before any TLS answer"), r.output());
        assertTrue(r.output().contains("check the endpoint's address and port"), r.output());
        assertNothingWritten();
    }

    @Test
    @Order(3)
    void theApiServerKeepsItsObjectsInTheUsersEtcdAndNothingOfEtcdIsInstalled() throws Exception {
        Path inv = inventory("cluster", ENDPOINT, "etcd-ca", "apiserver-client");
        Install.Run r = Install.run(bundle, "apply", "-i", inv.toString(), "-v");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains(ENDPOINT + " healthy (TLS checked from kf-h1"), r.output());
        assertTrue(r.output().contains("Cluster extetcd (Kubernetes 1.32.9) is up: 2 nodes"), r.output());

        Install.Run keys = etcdctl("get", "/registry/", "--prefix", "--keys-only");
        assertEquals(0, keys.exit(), keys.output());
        for (String key : List.of("/registry/core/configmaps/kube-system/kubeadm-config", "/registry/core/nodes/kf-h1",
                "/registry/core/nodes/kf-h2")) {
            assertTrue(keys.output().lines().anyMatch(key::equals), key + " not in the user's etcd:\n" + keys.output());
        }

        // the control plane has the user's files at kubeadm's paths and its API server points at the endpoint
        ExecResult cp = tb.exec(tb.host(1), "cat /etc/kubernetes/pki/etcd/ca.crt; grep -e '--etcd-servers=' /etc/kubernetes/manifests/kube-apiserver.yaml");
        assertTrue(cp.stdout().startsWith(Files.readString(dir.resolve("etcd/etcd-ca.crt"))), cp.stdout());
        assertTrue(cp.stdout().contains("--etcd-servers=" + ENDPOINT), cp.stdout());
        // nothing etcd-related installed on either cluster host
        for (int i = 1; i <= 2; i++) {
            ExecResult none = tb.exec(tb.host(i), "ls -d /etc/kubernetes/manifests/etcd.yaml /usr/local/bin/etcd /usr/local/bin/etcdctl"
                    + " /etc/systemd/system/etcd.service /etc/kubernetes/pki/etcd/server.crt"
                    + " /etc/kubernetes/pki/etcd/ca.key 2>/dev/null; pgrep -x etcd; true");
            assertEquals("", none.stdout(), "kf-h" + i + " has etcd things");
        }
        ExecResult worker = tb.exec(tb.host(2), "ls /etc/kubernetes/pki/etcd 2>/dev/null; true");
        assertEquals("", worker.stdout(), "the worker got etcd files");
    }
}
