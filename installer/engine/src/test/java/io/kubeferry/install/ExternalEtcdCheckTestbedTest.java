package io.kubeferry.install;

import io.kubeferry.host.HostFile;
import io.kubeferry.pem.ClientTls;
import io.kubeferry.ssh.SshHost;
import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Networking;
import io.kubeferry.inventory.Role;
import io.kubeferry.inventory.SshSettings;
import io.kubeferry.pki.PkiService;
import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The external-etcd check against a REAL etcd (Debian 13's 3.5.16) with TLS and client-certificate auth on one
 * test-datacenter host, probed as the install does: Java's TLS on this machine through a real SSH port forward of
 * another test host (the first control plane), with the client files kept on this machine. A good client pair
 * passes; a client certificate of another CA, a CA that did not sign the server, and an endpoint where nothing
 * listens each fail naming the TLS or connection error and what to do. wait-etcd's etcdctl command is run against
 * the same member.
 */
class ExternalEtcdCheckTestbedTest {
    /** Off etcd's default ports and the PKI test's, so no other etcd can answer for this one. */
    private static final int CLIENT_PORT = 12479;
    private static final String ETCD = "/var/lib/kubeferry-tools/trixie/usr/bin/etcd";
    private static final String ROOT = "/var/tmp/kubeferry-external-etcd-test";

    @TempDir
    static Path dir;
    @TempDir
    static Path otherDir;
    static Testbed testbed;
    static TestHost etcdHost;
    static TestHost controlPlane;
    /** The first control plane's SSH connection, whose port forwards carry the probe. */
    static SshHost controlPlaneSsh;
    /** caFile, certFile, keyFile of the user's etcd ("good") and of another cluster ("foreign"), on this machine. */
    static final Map<String, byte[]> clientFiles = new java.util.HashMap<>();

    private static Inventory cluster(Path dir, List<Host> hosts) {
        Networking net = new Networking(Cidr.parse("10.244.0.0/16").orElseThrow(), Cidr.parse("10.96.0.0/12").orElseThrow(),
                "cluster.local", Networking.Cni.FLANNEL);
        ClusterSpec spec = new ClusterSpec("kubernetes", KubernetesVersion.parse("1.33.5").orElseThrow(),
                new ControlPlaneEndpoint(hosts.get(0).internalAddress(), 6443, ControlPlaneEndpoint.Mode.SINGLE_NODE), net,
                CertificateOptions.defaults(), Map.of(), ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
        return new Inventory(dir.resolve("inventory.yaml"), spec, hosts);
    }

    @BeforeAll
    static void startEtcd() throws Exception {
        testbed = Testbed.shared(2);
        etcdHost = testbed.host(1);
        controlPlane = testbed.host(2);
        // "the user's etcd": a one-member cluster whose PKI Kubeferry's own generator makes (stacked on etcdHost)
        Host member = new Host(etcdHost.name(), etcdHost.address(), etcdHost.address(), null, Set.of(Role.CONTROL_PLANE),
                Map.of(), List.of());
        Inventory users = cluster(dir, List.of(member));
        Inventory other = cluster(otherDir, List.of(member));
        PkiService pki = new PkiService();
        pki.generate(users);
        pki.generate(other);
        stopEtcd();
        StringBuilder server = new StringBuilder("set -e\nrm -rf " + ROOT + "\nmkdir -p " + ROOT + "/data && chmod 700 " + ROOT + "/data\n");
        for (HostFile f : pki.filesFor(users, member)) {
            server.append(write(ROOT + f.path(), f.content(), f.mode()));
            clientFiles.put("good" + f.path(), f.content());
        }
        for (HostFile f : pki.filesFor(other, member)) {
            if (f.path().endsWith("etcd/ca.crt")) {
                server.append(write(ROOT + "/foreign-ca.crt", f.content(), f.mode()));
            }
            clientFiles.put("foreign" + f.path(), f.content());
        }
        String pkiDir = ROOT + "/etc/kubernetes/pki/etcd";
        String a = etcdHost.address();
        server.append("setsid nohup ").append(ETCD).append(" --name=").append(etcdHost.name())
                .append(" --data-dir=").append(ROOT).append("/data")
                .append(" --listen-client-urls=https://").append(a).append(':').append(CLIENT_PORT)
                .append(" --advertise-client-urls=https://").append(a).append(':').append(CLIENT_PORT)
                .append(" --listen-peer-urls=http://127.0.0.1:12480 --initial-advertise-peer-urls=http://127.0.0.1:12480")
                .append(" --initial-cluster=").append(etcdHost.name()).append("=http://127.0.0.1:12480")
                .append(" --listen-metrics-urls=http://127.0.0.1:12481")
                .append(" --client-cert-auth=true --trusted-ca-file=").append(pkiDir).append("/ca.crt")
                .append(" --cert-file=").append(pkiDir).append("/server.crt --key-file=").append(pkiDir).append("/server.key")
                .append(" </dev/null >").append(ROOT).append("/etcd.log 2>&1 &\necho $! > ").append(ROOT).append("/etcd.pid\n");
        ExecResult s = testbed.exec(etcdHost, server.toString());
        assertEquals(0, s.exitCode(), s.stdout() + s.stderr());
        controlPlaneSsh = SshHost.connect(new Host(controlPlane.name(), controlPlane.address(), controlPlane.address(),
                new SshSettings("root", 22, null, testbed.privateKey(), null, SshSettings.Sudo.NONE, null, null, null,
                        testbed.knownHosts(), SshSettings.HostKeyPolicy.STRICT, Duration.ofSeconds(10)),
                Set.of(Role.CONTROL_PLANE), Map.of(), List.of()));
    }

    @AfterAll
    static void cleanUp() {
        if (etcdHost == null) {
            return;
        }
        if (controlPlaneSsh != null) {
            controlPlaneSsh.close();
        }
        stopEtcd();
        testbed.exec(etcdHost, "rm -rf " + ROOT);
    }

    private static void stopEtcd() {
        testbed.exec(etcdHost, "p=$(cat " + ROOT + "/etcd.pid 2>/dev/null) && [ -n \"$p\" ] && kill \"$p\" 2>/dev/null;"
                + " for i in $(seq 50); do [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null || break; sleep 0.1; done;"
                + " [ -n \"$p\" ] && kill -9 \"$p\" 2>/dev/null; rm -f " + ROOT + "/etcd.pid; true");
    }

    private static String write(String path, byte[] content, int mode) {
        String parent = path.substring(0, path.lastIndexOf('/'));
        return "mkdir -p '" + parent + "'\nprintf '%s' '" + Base64.getEncoder().encodeToString(content)
                + "' | base64 -d > '" + path + "'\nchmod " + Integer.toOctalString(mode) + " '" + path + "'\n";
    }

    private static String endpoint() {
        return "https://" + etcdHost.address() + ":" + CLIENT_PORT;
    }

    /** The install's probe of {@code endpoint}, through a forward of the control plane, with the files of the sets. */
    private static String check(String endpoint, String caSet, String clientSet) {
        SSLContext tls = ClientTls.of(clientFiles.get(caSet + "/etc/kubernetes/pki/etcd/ca.crt"),
                clientFiles.get(clientSet + "/etc/kubernetes/pki/apiserver-etcd-client.crt"),
                clientFiles.get(clientSet + "/etc/kubernetes/pki/apiserver-etcd-client.key"), "test files");
        URI uri = URI.create(endpoint);
        int local = controlPlaneSsh.forwardLocalPort(uri.getHost(), uri.getPort());
        return EtcdHealthProbe.problem(tls, uri, new InetSocketAddress("127.0.0.1", local), "from " + controlPlane.name());
    }

    /** The member needs a moment after its start: poll the good check (bounded). */
    private static void waitHealthy() throws InterruptedException {
        String problem = null;
        for (int i = 0; i < 60; i++) {
            problem = check(endpoint(), "good", "good");
            if (problem == null) {
                return;
            }
            Thread.sleep(500);
        }
        fail("the etcd never answered healthy: " + problem + "\n" + testbed.exec(etcdHost, "tail -n 20 " + ROOT + "/etcd.log").stdout());
    }

    @Test
    void theUsersFilesPassTheCheck() throws Exception {
        waitHealthy();
        assertNull(check(endpoint(), "good", "good"));
    }

    @Test
    void aClientCertificateOfAnotherCaIsRefusedByEtcdInTheHandshake() throws Exception {
        waitHealthy();
        String problem = check(endpoint(), "good", "foreign");
        assertNotNull(problem, "etcd accepted a client certificate of another CA");
        // TLS 1.3: the server's refusal (an alert) arrives after the client finished its handshake
        assertTrue(problem.startsWith("etcd refused the client certificate (Received fatal alert: "), problem);
        assertTrue(problem.contains("give a client certificate that CA issued"), problem);
    }

    @Test
    void aCaThatDidNotSignTheServerIsRefusedByTheCheck() throws Exception {
        waitHealthy();
        String problem = check(endpoint(), "foreign", "good");
        assertNotNull(problem);
        assertTrue(problem.startsWith("the server's certificate is not signed by caFile (PKIX path"), problem);
        assertTrue(problem.endsWith("give the CA that signed your etcd members' certificates"), problem);
    }

    /** The same real member answers wait-etcd's own etcdctl command with the healthcheck client. */
    @Test
    void waitEtcdsHealthCommandSeesTheMemberHealthy() throws Exception {
        waitHealthy();
        String pkiDir = ROOT + "/etc/kubernetes/pki/etcd";
        ExecResult r = testbed.exec(etcdHost, EtcdHealthPhase.healthCommand(endpoint(), ETCD + "ctl", pkiDir));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue((r.stdout() + r.stderr()).contains(endpoint() + " is healthy"), r.stdout() + r.stderr());
        // control: the other cluster's CA does not verify this member
        ExecResult bad = testbed.exec(etcdHost, EtcdHealthPhase.healthCommand(endpoint(), ETCD + "ctl", pkiDir)
                .replace("--cacert=" + pkiDir + "/ca.crt", "--cacert=" + ROOT + "/foreign-ca.crt"));
        assertNotEquals(0, bad.exitCode(), bad.stdout());
    }

    @Test
    void anEndpointWhereNothingListensIsNamedAsUnreachable() throws Exception {
        waitHealthy();
        String problem = check("https://" + etcdHost.address() + ":" + (CLIENT_PORT + 5), "good", "good");
        assertNotNull(problem);
        assertTrue(problem.startsWith("the connection from " + controlPlane.name() + " closed before any TLS answer"), problem);
        assertTrue(problem.contains("check the endpoint's address and port"), problem);
    }
}
