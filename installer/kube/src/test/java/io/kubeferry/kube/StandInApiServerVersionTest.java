package io.kubeferry.kube;

import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.kube.testsupport.StandInApiServer;
import io.kubeferry.pem.ClientTls;
import io.kubeferry.pki.Kubeconfigs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The STAND-IN API server's /version: the version it is given (the kubelet stand-in passes the kube-apiserver image's
 * tag, so an upgraded manifest brings a server saying the new version), {@link StandInApiServer#VERSION} without one.
 */
class StandInApiServerVersionTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static HttpClient admin;

    @BeforeAll
    static void pki() {
        pki = TestPki.generate(dir, KeyAlgorithm.ECDSA_P256);
        Kubeconfigs.Parsed conf = Kubeconfigs.parse(pki.adminConf());
        admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .sslContext(ClientTls.of(conf.caPem(), conf.clientCertPem(), conf.clientKeyPem(), "admin.conf")).build();
    }

    @Test
    void reportsTheImageTagItWasStartedWith() throws Exception {
        try (StandInApiServer server = StandInApiServer.fromFlags(pki.apiServerFlags(), "v1.33.5")) {
            JsonNode v = version(server);
            assertEquals("1", v.path("major").asString());
            assertEquals("33", v.path("minor").asString());
            assertEquals("v1.33.5-stand-in", v.path("gitVersion").asString());
            assertEquals("v1.33.5", server.kubernetesVersion());
        }
    }

    @Test
    void reportsItsDefaultVersionWhenGivenNone() throws Exception {
        try (StandInApiServer server = StandInApiServer.fromFlags(pki.apiServerFlags())) {
            JsonNode v = version(server);
            assertEquals("1", v.path("major").asString());
            assertEquals("34", v.path("minor").asString());
            assertEquals(StandInApiServer.VERSION + "-stand-in", v.path("gitVersion").asString());
        }
        try (StandInApiServer server = StandInApiServer.fromFlags(pki.apiServerFlags(), null)) {
            assertEquals(StandInApiServer.VERSION + "-stand-in", version(server).path("gitVersion").asString());
        }
    }

    @Test
    void refusesATagThatIsNoKubernetesRelease() {
        // e.g. an etcd image's tag: a manifest naming it for kube-apiserver is a mistake worth failing on
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StandInApiServer.fromFlags(pki.apiServerFlags(), "3.5.21-0").close());
        assertTrue(e.getMessage().contains("'3.5.21-0'"), e.getMessage());
    }

    private static JsonNode version(StandInApiServer server) throws Exception {
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(server.url().resolve("/version")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }
}
