package io.kubeferry.kube;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.kube.testsupport.StandInApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each way the connection can fail gives a typed error naming the URL and the cause. */
class KubeApiTlsAndErrorsTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki foreign;
    static StandInApiServer server;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.generate(Files.createDirectories(dir.resolve("cluster")), KeyAlgorithm.RSA_2048);
        foreign = TestPki.generate(Files.createDirectories(dir.resolve("foreign")), KeyAlgorithm.ECDSA_P256);
        server = pki.startApiServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theRightKubeconfigWorksThroughTheTunnelUrl() {
        try (KubeApi api = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            assertEquals(List.of(), api.nodes());
        }
    }

    @Test
    void aKubeconfigWithAnotherCaFailsWithAnUnknownCaTlsError() {
        try (KubeApi api = KubeApi.connect(foreign.superAdminConf(), "super-admin.conf", server.url())) {
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class, api::nodes);
            assertTrue(e.getMessage().startsWith("TLS failure talking to the API server at " + server.url()), e.getMessage());
            assertTrue(e.getMessage().contains("not signed by the cluster CA in the kubeconfig (unknown CA)"), e.getMessage());
            assertEquals(3, e.exitCode().code());
        }
    }

    @Test
    void aServerNameTheCertificateDoesNotCarryFailsWithANameMismatch() {
        byte[] conf = new String(pki.superAdminConf(), StandardCharsets.UTF_8)
                .replace(TestPki.ENDPOINT, "elsewhere.test.internal").getBytes(StandardCharsets.UTF_8);
        try (KubeApi api = KubeApi.connect(conf, "super-admin.conf", server.url())) {
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class, api::nodes);
            assertTrue(e.getMessage().contains("does not name 'elsewhere.test.internal' (name mismatch; it names DNS:cp1,"), e.getMessage());
            assertTrue(e.getMessage().contains("DNS:" + TestPki.ENDPOINT), e.getMessage());
        }
    }

    @Test
    void aClientCertificateFromAForeignCaGets401() {
        byte[] conf = pki.kubeconfigWithClientOf(foreign, "kubernetes-super-admin");
        try (KubeApi api = KubeApi.connect(conf, "forged.conf", server.url())) {
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class, api::nodes);
            assertTrue(e.getMessage().contains("did not accept the credentials of 'kubernetes-super-admin' (client certificate "
                    + "CN=kubernetes-super-admin,O=system:masters) from forged.conf (401 Unauthorized)"), e.getMessage());
            assertTrue(e.getMessage().contains("--client-ca-file"), e.getMessage());
        }
        assertTrue(server.requests().stream().anyMatch(r -> r.status() == 401 && r.user().equals("(anonymous)")));
    }

    @Test
    void aClosedPortIsUnreachableNamingTheUrl() throws Exception {
        URI closed = closedLoopbackPort();
        try (KubeApi api = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", closed)) {
            HostFailureException e = assertThrows(HostFailureException.class, () -> api.get("v1", "ConfigMap", "kube-system", "x"));
            assertTrue(e.getMessage().contains("the API server at " + closed + " is unreachable"), e.getMessage());
            assertEquals(1, e.exitCode().code());

            List<String> progress = new ArrayList<>();
            HostFailureException wait = assertThrows(HostFailureException.class,
                    () -> api.waitForReadyz(Duration.ofSeconds(1), progress::add));
            assertTrue(wait.getMessage().contains("was not ready within 1s; last: "), wait.getMessage());
            assertFalse(progress.isEmpty());
            assertTrue(progress.get(0).contains("unreachable"), progress.toString());
        }
    }

    @Test
    void aStoppedServerIsUnreachable() throws Exception {
        StandInApiServer stopped = pki.startApiServer();
        URI url = stopped.url();
        try (KubeApi api = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", url)) {
            assertEquals(List.of(), api.nodes());
            stopped.close();
            KubeferryException e = assertThrows(HostFailureException.class, api::nodes);
            assertTrue(e.getMessage().contains(url + " is unreachable"), e.getMessage());
        }
    }

    @Test
    void aKubeconfigWithoutEmbeddedCredentialsIsBadInput() {
        String conf = new String(pki.superAdminConf(), StandardCharsets.UTF_8).replaceAll("client-key-data: .*", "");
        BadInputException e = assertThrows(BadInputException.class,
                () -> KubeApi.connect(conf.getBytes(StandardCharsets.UTF_8), "super-admin.conf", server.url()));
        assertTrue(e.getMessage().contains("super-admin.conf: the current context's client-key-data is missing"), e.getMessage());
    }

    static URI closedLoopbackPort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(TestPki.loopback(), 0));
            return URI.create("https://127.0.0.1:" + s.getLocalPort());
        }
    }
}
