package io.kubeferry.kube;

import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.kube.testsupport.StandInApiServer;
import io.kubeferry.kube.testsupport.StandInControllerManager;
import io.kubeferry.pki.Kubeconfigs;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The stand-in controller-manager's csrapproving and csrsigning for kubelet client certificates, against the stand-in
 * API server, with the real kubectl as the node and the admin: a node's CSR for its own certificate stays pending
 * until the install's ClusterRoleBinding (kubeadm:node-autoapprove-certificate-rotation) is in the API, then is
 * approved and signed by the cluster CA for --cluster-signing-duration; the requester is what the node's certificate
 * says, not what the body claims; a node's CSR for another node is never approved.
 */
class StandInControllerManagerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void approvesAndSignsANodesOwnClientCertificateOnlyOnceTheRbacAllowsIt() throws Exception {
        TestPki pki = TestPki.generate(dir, KeyAlgorithm.ECDSA_P256);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (StandInApiServer server = pki.startApiServer()) {
            String url = server.url().toString();
            Kubeconfigs.Parsed cm = Kubeconfigs.parse(pki.read("hosts/cp1/controller-manager.conf"));
            Path cmConf = Files.write(dir.resolve("controller-manager.conf"), Kubeconfigs.render("kubernetes", url, cm.caPem(),
                    cm.userName(), cm.clientCertPem(), cm.clientKeyPem()));
            byte[] nodePair = pki.read("hosts/cp1/kubelet-client-current.pem");
            Path nodeConf = Files.write(dir.resolve("kubelet.conf"), Kubeconfigs.render("kubernetes", url, cm.caPem(),
                    "system:node:cp1", nodePair, nodePair));
            Path adminConf = Files.write(dir.resolve("admin.conf"), pki.superAdminConf());

            KeyPair own = ecKey();
            String ownCsr = create(nodeConf, url, csr(own, "system:node:cp1"));
            String otherCsr = create(nodeConf, url, csr(ecKey(), "system:node:other"));
            try (StandInControllerManager controllers = StandInControllerManager.fromFlags(Map.of(
                    "kubeconfig", cmConf.toString(),
                    "cluster-signing-cert-file", pki.root().resolve("ca.crt").toString(),
                    "cluster-signing-key-file", pki.root().resolve("ca.key").toString(),
                    "cluster-signing-duration", "2h0m0s"), log::add)) {
                Thread.sleep(5000); // two syncs and more
                JsonNode pending = get(adminConf, url, ownCsr);
                assertEquals("system:node:cp1", pending.path("spec").path("username").asString(), "the requester comes from the certificate");
                assertTrue(pending.path("status").path("conditions").isEmpty(), "no RBAC binding yet, so not approved: " + pending);

                Run bound = kubectl(adminConf, url, """
                        {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",
                         "metadata":{"name":"kubeadm:node-autoapprove-certificate-rotation"},
                         "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole",
                                    "name":"system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"},
                         "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:nodes"}]}
                        """, "apply", "--server-side", "-f", "-");
                assertEquals(0, bound.exit(), bound.output());

                JsonNode signed = get(adminConf, url, ownCsr);
                Instant deadline = Instant.now().plusSeconds(20);
                while (signed.path("status").path("certificate").asString("").isEmpty() && Instant.now().isBefore(deadline)) {
                    Thread.sleep(500);
                    signed = get(adminConf, url, ownCsr);
                }
                assertEquals("Approved", signed.path("status").path("conditions").path(0).path("type").asString(), signed.toString());
                assertFalse(signed.path("status").path("certificate").asString("").isEmpty(), signed + "\n" + log);
                assertEquals("AutoApproved", signed.path("status").path("conditions").path(0).path("reason").asString());
                byte[] certPem = Base64.getDecoder().decode(signed.path("status").path("certificate").asString(""));
                X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certPem));
                assertEquals(own.getPublic(), cert.getPublicKey());
                assertEquals("CN=system:node:cp1,O=system:nodes", cert.getSubjectX500Principal().getName());
                assertEquals(List.of("1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
                Duration lifetime = Duration.between(Instant.now(), cert.getNotAfter().toInstant());
                assertTrue(lifetime.compareTo(Duration.ofMinutes(118)) > 0 && lifetime.compareTo(Duration.ofMinutes(121)) < 0, lifetime.toString());
                Path certFile = Files.write(dir.resolve("signed.crt"), certPem);
                Process verify = new ProcessBuilder("openssl", "verify", "-CAfile", pki.root().resolve("ca.crt").toString(), certFile.toString())
                        .redirectErrorStream(true).start();
                String verified = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, verify.waitFor(), verified);

                JsonNode foreign = get(adminConf, url, otherCsr);
                assertTrue(foreign.path("status").path("conditions").isEmpty(), "a node asking for another's certificate: " + foreign);
                assertTrue(foreign.path("status").path("certificate").asString("").isEmpty());
            }
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("approved ")), log.toString());
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A CSR object as the kubelet sends it, with a spec.username the server must overwrite. */
    private static String csr(KeyPair keys, String commonName) throws Exception {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        subject.addRDN(BCStyle.O, "system:nodes");
        subject.addRDN(BCStyle.CN, commonName);
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(pem)) {
            w.writeObject(new JcaPKCS10CertificationRequestBuilder(subject.build(), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        }
        return "{\"apiVersion\":\"certificates.k8s.io/v1\",\"kind\":\"CertificateSigningRequest\",\"metadata\":{\"generateName\":\"csr-\"},"
                + "\"spec\":{\"username\":\"system:admin\",\"request\":\"" + Base64.getEncoder().encodeToString(pem.toString().getBytes(StandardCharsets.US_ASCII))
                + "\",\"signerName\":\"" + StandInControllerManager.KUBELET_CLIENT_SIGNER + "\",\"usages\":[\"digital signature\",\"client auth\"]}}";
    }

    private String create(Path kubeconfig, String url, String csr) throws Exception {
        Run r = kubectl(kubeconfig, url, csr, "create", "-f", "-", "-o", "jsonpath={.metadata.name}");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().startsWith("csr-") && r.output().length() == 9, r.output());
        return r.output();
    }

    private JsonNode get(Path kubeconfig, String url, String name) throws Exception {
        Run r = kubectl(kubeconfig, url, null, "get", "certificatesigningrequests", name, "-o", "json");
        assertEquals(0, r.exit(), r.output());
        return JSON.readTree(r.output());
    }

    private record Run(int exit, String output) {
    }

    private Run kubectl(Path kubeconfig, String url, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(KubectlAgainstStandInTest.KUBECTL.toString(), "--kubeconfig", kubeconfig.toString(),
                "--server", url, "--tls-server-name", TestPki.ENDPOINT, "--cache-dir", dir.resolve("kube-cache").toString(),
                "--request-timeout", "20s"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOME", dir.toString());
        pb.environment().remove("KUBECONFIG");
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), p.exitValue() == 0 ? out : out + err);
    }
}
