package io.kubeferry.e2e;

import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 9 item 8: the kubelet's client credential survives the expiry of the certificate the install gave it. One
 * control plane and one worker, installed with {@code cluster.certificates.kubeletClientValidity: 90s} (every other
 * certificate keeps its year). The kubelet (STAND-IN, rotating as client-go's certificate manager) asks for a new
 * certificate through a CSR, the controller-manager (STAND-IN: csrapproving and csrsigning) approves it because the
 * install's RBAC allows nodes to renew their own and signs it with the cluster CA. Once the first certificate has
 * expired: the API server refuses it (negative control, the real kubectl), kubelet-client-current.pem points to a
 * dated rotated certificate that the cluster CA signed (openssl verify) and that the API server accepts, the worker's
 * kubelet comes back after a restart and reaches the API with its kubelet.conf, and a second install changes nothing,
 * the rotated certificate included.
 */
class KubeletCredentialExpiryIT {
    static final Duration FIRST_VALIDITY = Duration.ofSeconds(90);
    static final String CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem";
    static TestBundle bundle;
    static Testbed tb;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(2);
        bundle = TestBundle.shared();
    }

    @Test
    void theKubeletClientCredentialOutlivesItsFirstCertificate() throws Exception {
        Path dir = Files.createTempDirectory("kubeferry-rotation-it");
        Path inventory = Install.writeInventory(dir, """
                cluster:
                  name: rotation
                  kubernetesVersion: %s
                  certificates: {kubeletClientValidity: %ds}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: kf-h1, address: 10.250.0.11, roles: [control-plane]}
                  - {name: kf-h2, address: 10.250.0.12, roles: [worker]}
                """.formatted(TestBundle.KUBERNETES_VERSION, FIRST_VALIDITY.toSeconds(), tb.privateKey(), tb.knownHosts()));
        Install.Run installed = Install.run(bundle, "apply", "-i", inventory.toString());
        assertEquals(0, installed.exit(), installed.toString());
        assertTrue(installed.output().contains("Cluster rotation (Kubernetes 1.32.9) is up: 2 nodes"), installed.output());

        Path pki = dir.resolve(".kubeferry/rotation/pki");
        Path ca = pki.resolve("ca.crt");
        Path admin = pki.resolve("admin.conf");
        String server = "https://10.250.0.11:6443";
        TestHost worker = tb.host(2);
        // the state directory's copy is what the install put on the worker (its first dated file)
        Path first = pki.resolve("hosts/kf-h2/kubelet-client-current.pem");
        X509Certificate firstCert = certificate(Files.readAllBytes(first));
        assertEquals(FIRST_VALIDITY.plusMinutes(5), Duration.between(firstCert.getNotBefore().toInstant(), firstCert.getNotAfter().toInstant()),
                "90 s from the install, backdated 5 minutes as every certificate");
        X509Certificate apiserver = certificate(Files.readAllBytes(pki.resolve("hosts/kf-h1/apiserver.crt")));
        assertTrue(apiserver.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(360))),
                "only the kubelet client certificate is short-lived: " + apiserver.getNotAfter());
        List<String> dated = lines(ok(tb.exec(worker, "ls /var/lib/kubelet/pki/kubelet-client-2*.pem")));
        assertTrue(lines(ok(tb.exec(worker, "sha256sum /var/lib/kubelet/pki/kubelet-client-2*.pem | cut -d' ' -f1")))
                .contains(sha256(first)), "the install wrote its certificate as a dated file: " + dated);

        // wait until the first certificate has expired
        Instant expired = firstCert.getNotAfter().toInstant().plusSeconds(2);
        while (Instant.now().isBefore(expired)) {
            Thread.sleep(Math.max(100, Duration.between(Instant.now(), expired).toMillis()));
        }

        // negative control: the first certificate, with the real kubectl (Go TLS), is refused by the API server
        Install.Run refused = Install.kubectl(kubeconfigWith(dir, pki, first, "first"), server, "get", "node", "kf-h2", "-o", "name");
        assertNotEquals(0, refused.exit(), refused.output());
        assertTrue(refused.output().contains("Unauthorized"), refused.output());

        // kubelet-client-current.pem is a symlink to a rotated, dated certificate the cluster CA signed, still valid
        String target = ok(tb.exec(worker, "readlink " + CURRENT)).strip();
        assertTrue(target.matches("/var/lib/kubelet/pki/kubelet-client-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.pem"), target);
        assertEquals("600", ok(tb.exec(worker, "stat -c %a " + target)).strip());
        Path rotated = dir.resolve("rotated.pem");
        Files.writeString(rotated, ok(tb.exec(worker, "cat " + CURRENT)));
        X509Certificate rotatedCert = certificate(Files.readAllBytes(rotated));
        assertNotEquals(firstCert.getSerialNumber(), rotatedCert.getSerialNumber());
        assertNotEquals(firstCert.getPublicKey(), rotatedCert.getPublicKey(), "a new key, not a re-signed one");
        assertEquals("CN=system:node:kf-h2,O=system:nodes", rotatedCert.getSubjectX500Principal().getName());
        assertTrue(rotatedCert.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(360))),
                "signed for the controller-manager's --cluster-signing-duration (8760h): " + rotatedCert.getNotAfter());
        ProcessBuilder verify = new ProcessBuilder("openssl", "verify", "-CAfile", ca.toString(), rotated.toString()).redirectErrorStream(true);
        Process p = verify.start();
        String verified = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), verified);
        Install.Run accepted = Install.kubectl(kubeconfigWith(dir, pki, rotated, "rotated"), server, "get", "node", "kf-h2", "-o", "name");
        assertEquals(0, accepted.exit(), accepted.output());
        // it came through a CSR the node made itself and the controller-manager approved
        Install.Run csrs = Install.kubectl(admin, server, "get", "certificatesigningrequests", "-o",
                "jsonpath={range .items[*]}{.spec.username} {.spec.signerName} {.status.conditions[0].type}{\"\\n\"}{end}");
        assertEquals(0, csrs.exit(), csrs.output());
        assertTrue(csrs.output().lines().anyMatch(l -> l.equals("system:node:kf-h2 kubernetes.io/kube-apiserver-client-kubelet Approved")),
                csrs.output());

        // the worker's kubelet restarts, comes back and reaches the API with its credential
        String pidBefore = ok(tb.exec(worker, "cat /run/systemctl-standin/kubelet.*pid")).strip();
        Instant restartedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ok(tb.exec(worker, "systemctl restart kubelet"));
        assertEquals("active", ok(tb.exec(worker, "systemctl is-active kubelet")).strip());
        String pidAfter = ok(tb.exec(worker, "cat /run/systemctl-standin/kubelet.*pid")).strip();
        assertNotEquals(pidBefore, pidAfter, "the kubelet was restarted");
        Instant heartbeat = Instant.MIN;
        Instant deadline = Instant.now().plusSeconds(90);
        while (heartbeat.isBefore(restartedAt) && Instant.now().isBefore(deadline)) {
            ExecResult own = tb.exec(worker, "kubectl --kubeconfig /etc/kubernetes/kubelet.conf get node kf-h2 -o "
                    + "jsonpath='{.status.conditions[?(@.type==\"Ready\")].lastHeartbeatTime}'");
            if (own.ok() && !own.stdout().isBlank()) {
                heartbeat = Instant.parse(own.stdout().strip());
            }
            if (heartbeat.isBefore(restartedAt)) {
                Thread.sleep(2000);
            }
        }
        assertFalse(heartbeat.isBefore(restartedAt), "no heartbeat from the restarted kubelet since " + restartedAt + " (last " + heartbeat
                + "):\n" + tb.exec(worker, "journalctl -u kubelet -n 40").stdout());
        String journal = tb.exec(worker, "journalctl -u kubelet").stdout();
        assertTrue(journal.contains("Certificate rotation: " + CURRENT + " -> " + target), journal);

        // a second install changes nothing and leaves the rotated certificate where the kubelet put it
        String sha = ok(tb.exec(worker, "sha256sum " + CURRENT)).strip();
        Install.Run again = Install.run(bundle, "apply", "-i", inventory.toString());
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.output().contains("Nothing changed"), again.output());
        assertEquals(target, ok(tb.exec(worker, "readlink " + CURRENT)).strip());
        assertEquals(sha, ok(tb.exec(worker, "sha256sum " + CURRENT)).strip());
    }

    /** The state directory's kubelet.conf of kf-h2 with its credential file replaced by {@code pem}. */
    private static Path kubeconfigWith(Path dir, Path pki, Path pem, String name) throws Exception {
        String conf = Files.readString(pki.resolve("hosts/kf-h2/kubelet.conf"));
        assertTrue(conf.contains(CURRENT), conf);
        return Files.writeString(dir.resolve("kubelet-" + name + ".conf"), conf.replace(CURRENT, pem.toString()));
    }

    private static X509Certificate certificate(byte[] pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static String ok(ExecResult r) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        return r.stdout();
    }

    private static List<String> lines(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
