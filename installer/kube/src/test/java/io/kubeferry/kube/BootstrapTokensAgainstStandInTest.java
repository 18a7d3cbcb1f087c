package io.kubeferry.kube;

import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.kube.testsupport.StandInApiServer;
import static io.kubeferry.kube.testsupport.KubeadmDiscovery.opensslSpkiSha256;
import static io.kubeferry.kube.testsupport.KubeadmDiscovery.verifyDetached;
import io.kubeferry.kube.tokens.BootstrapToken;
import io.kubeferry.kube.tokens.BootstrapTokens;
import io.kubeferry.kube.tokens.DetachedJws;
import io.kubeferry.pki.AdminRbac;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bootstrap tokens against the stand-in API server (real TLS, the PKI's admin.conf): the Secret as kubeadm writes it,
 * the cluster-info signature checked as kubeadm's token discovery checks it ({@code KubeadmDiscovery}: RFC 7515 HS256
 * verification here, not the production signer), the CA hash against openssl's SubjectPublicKeyInfo digest.
 */
class BootstrapTokensAgainstStandInTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static StandInApiServer server;

    @BeforeAll
    static void start() {
        pki = TestPki.generate(dir, KeyAlgorithm.ECDSA_P256);
        server = pki.startApiServer();
        try (KubeApi superAdmin = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            superAdmin.apply("kubeadm:cluster-admins", AdminRbac.CLUSTER_ROLE_BINDING_YAML);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** cluster-info as the install applies it (templates/cluster-config/cluster-info.yaml.ftl's shape). */
    @BeforeEach
    void clusterInfo() {
        String ca = Base64.getEncoder().encodeToString(pki.read("ca.crt"));
        try (KubeApi admin = admin()) {
            admin.apply("cluster-info", """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: cluster-info
                      namespace: kube-public
                    data:
                      kubeconfig: |
                        apiVersion: v1
                        clusters:
                        - cluster:
                            certificate-authority-data: %s
                            server: https://%s:6443
                          name: ""
                        contexts: null
                        current-context: ""
                        kind: Config
                        preferences: {}
                        users: null
                    """.formatted(ca, TestPki.ENDPOINT));
        }
    }

    private static KubeApi admin() {
        return KubeApi.connect(pki.adminConf(), "admin.conf", server.url());
    }

    @Test
    void theSignerMatchesKubernetesOwnVectors() {
        // k8s.io/cluster-bootstrap/token/jws jws_test.go (both the go-jose v2 and the longer-key v3 vectors)
        String content = "Hello from the other side. I must have called a thousand times.";
        assertEquals("eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8",
                DetachedJws.sign(content, "joshua", "my voice is my passcode".getBytes(StandardCharsets.UTF_8)));
        assertEquals("eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk",
                DetachedJws.sign("", "joshua", "my voice is my passcode".getBytes(StandardCharsets.UTF_8)));
        assertEquals("eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..SFoKn0-YxqnvpSExt4LuCZ_7pvIBdX3SoUO_NsTpkdg",
                DetachedJws.sign(content, "joshua", "my voice is my passcode. my voice is my passcode".getBytes(StandardCharsets.UTF_8)));
    }

    @RepeatedTest(3)
    void aCreatedTokenIsStoredAsKubeadmDoesAndSignsClusterInfoAsDiscoveryChecksIt() throws Exception {
        Instant expires = Instant.now().plus(Duration.ofHours(24)).truncatedTo(ChronoUnit.SECONDS);
        BootstrapToken token = BootstrapToken.generate(new SecureRandom(), expires, BootstrapTokens.USAGES,
                List.of(BootstrapTokens.DEFAULT_GROUP), "for rack 7");
        assertTrue(token.reveal().matches("[a-z0-9]{6}\\.[a-z0-9]{16}"), "kubeadm's token format");
        assertFalse(token.toString().contains(token.reveal().substring(7)), "the secret is not in toString: " + token);
        try (KubeApi admin = admin()) {
            BootstrapTokens.create(admin, token);
        }
        String id = token.id();
        String secret = token.reveal().substring(7);

        JsonNode stored = server.object("v1", "Secret", "kube-system", "bootstrap-token-" + id).orElseThrow();
        assertEquals("bootstrap.kubernetes.io/token", stored.path("type").asString());
        JsonNode data = stored.path("data");
        assertEquals(id, decode(data, "token-id"));
        assertEquals(secret, decode(data, "token-secret"));
        assertEquals(expires, Instant.parse(decode(data, "expiration")));
        assertEquals("true", decode(data, "usage-bootstrap-signing"));
        assertEquals("true", decode(data, "usage-bootstrap-authentication"));
        assertEquals("system:bootstrappers:kubeadm:default-node-token", decode(data, "auth-extra-groups"));
        assertEquals("for rack 7", decode(data, "description"));

        // kubeadm's discovery: cluster-info's kubeconfig and jws-kubeconfig-<id>, the signature recomputed with the token
        JsonNode clusterInfo = server.object("v1", "ConfigMap", "kube-public", "cluster-info").orElseThrow();
        String kubeconfig = clusterInfo.path("data").path("kubeconfig").asString();
        String jws = clusterInfo.path("data").path("jws-kubeconfig-" + id).asString();
        assertTrue(verifyDetached(jws, kubeconfig, id, secret), jws);
        assertFalse(verifyDetached(jws, kubeconfig + " ", id, secret), "another content fails");
        assertFalse(verifyDetached(jws, kubeconfig, id, "0000000000000000"), "another secret fails");

        // then the CA in that kubeconfig against --discovery-token-ca-cert-hash, as openssl computes the pin
        Matcher caData = Pattern.compile("certificate-authority-data: (\\S+)").matcher(kubeconfig);
        assertTrue(caData.find());
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(caData.group(1))));
        assertEquals("sha256:" + opensslSpkiSha256(pki.root().resolve("ca.crt")), BootstrapTokens.caCertHash(ca));

        try (KubeApi admin = admin()) {
            BootstrapToken.Info listed = BootstrapTokens.list(admin).stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
            assertEquals(new BootstrapToken.Info(id, expires, List.of("authentication", "signing"),
                    List.of(BootstrapTokens.DEFAULT_GROUP), "for rack 7"), listed);

            assertEquals(List.of("Secret kube-system/bootstrap-token-" + id, "jws-kubeconfig-" + id + " in ConfigMap kube-public/cluster-info"),
                    BootstrapTokens.delete(admin, id));
            assertTrue(server.object("v1", "Secret", "kube-system", "bootstrap-token-" + id).isEmpty());
            JsonNode after = server.object("v1", "ConfigMap", "kube-public", "cluster-info").orElseThrow();
            assertTrue(after.path("data").path("jws-kubeconfig-" + id).isMissingNode(), after.toString());
            assertEquals(kubeconfig, after.path("data").path("kubeconfig").asString(), "the rest of cluster-info stays");
            assertTrue(BootstrapTokens.delete(admin, id).isEmpty(), "a second delete finds nothing");
            assertTrue(BootstrapTokens.list(admin).stream().noneMatch(t -> t.id().equals(id)));
        }
    }

    @Test
    void anAuthenticationOnlyTokenDoesNotSignAndANeverExpiringOneHasNoExpiration() {
        BootstrapToken token = BootstrapToken.generate(new SecureRandom(), null, List.of("authentication"), List.of(), "");
        try (KubeApi admin = admin()) {
            BootstrapTokens.create(admin, token);
            JsonNode data = server.object("v1", "Secret", "kube-system", "bootstrap-token-" + token.id()).orElseThrow().path("data");
            assertTrue(data.path("expiration").isMissingNode());
            assertTrue(data.path("usage-bootstrap-signing").isMissingNode());
            assertTrue(server.object("v1", "ConfigMap", "kube-public", "cluster-info").orElseThrow()
                    .path("data").path("jws-kubeconfig-" + token.id()).isMissingNode());
            BootstrapToken.Info listed = BootstrapTokens.list(admin).stream().filter(t -> t.id().equals(token.id())).findFirst().orElseThrow();
            assertEquals(null, listed.expires());
            assertEquals(List.of("authentication"), listed.usages());
            BootstrapTokens.delete(admin, token.id());
        }
    }

    @Test
    void withoutClusterInfoNothingIsCreated() {
        BootstrapToken token = BootstrapToken.generate(new SecureRandom(), null, BootstrapTokens.USAGES, List.of(), "");
        try (KubeApi admin = admin()) {
            admin.delete("v1", "ConfigMap", "kube-public", "cluster-info");
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class, () -> BootstrapTokens.create(admin, token));
            assertTrue(e.getMessage().contains("kube-public/cluster-info does not exist"), e.getMessage());
            assertTrue(e.getMessage().contains("installer apply"), e.getMessage());
        }
        assertTrue(server.object("v1", "Secret", "kube-system", "bootstrap-token-" + token.id()).isEmpty());
    }

    private static String decode(JsonNode data, String key) {
        return new String(Base64.getDecoder().decode(data.path(key).asString()), StandardCharsets.UTF_8);
    }
}
