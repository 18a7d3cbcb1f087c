package io.kubeferry.kube;

import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.kube.testsupport.Kubectl;
import io.kubeferry.kube.testsupport.StandInApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real kubectl (Go's TLS and certificate checks, the discovery it reads) with the PKI's super-admin.conf against
 * the stand-in API server, connecting to 127.0.0.1:PORT while verifying the endpoint name, as through an SSH tunnel.
 */
class KubectlAgainstStandInTest {
    static final Path KUBECTL = Kubectl.BINARY;

    @TempDir
    static Path dir;
    static TestPki pki;
    static StandInApiServer server;
    static Path kubeconfig;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.generate(dir, KeyAlgorithm.ECDSA_P256);
        server = pki.startApiServer();
        kubeconfig = dir.resolve("super-admin.conf");
        Files.write(kubeconfig, pki.superAdminConf());
        server.put(KubeApiAgainstStandInTest.node("True"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Kubectl.Run kubectl(String... args) throws IOException, InterruptedException {
        return Kubectl.run(kubeconfig, dir, List.of("--server", server.url().toString(), "--tls-server-name", TestPki.ENDPOINT), args);
    }

    @RepeatedTest(3)
    void getNodes() throws Exception {
        Kubectl.Run r = kubectl("get", "nodes");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[0].matches("NAME\\s+STATUS\\s+ROLES\\s+AGE\\s+VERSION"), r.out());
        assertTrue(lines[1].matches("cp1\\s+Ready\\s+<none>\\s+\\d+[smh]\\s+v1\\.34\\.1"), r.out());
    }

    @RepeatedTest(3)
    void serverSideApplyThenGetConfigMapAsYaml() throws Exception {
        Path manifest = dir.resolve("cm.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: kubelet-config
                  namespace: kube-system
                data:
                  kubelet: |
                    cgroupDriver: systemd
                """, StandardCharsets.UTF_8);
        Kubectl.Run apply = kubectl("apply", "--server-side", "-f", manifest.toString());
        assertEquals(0, apply.exit(), apply.err());
        assertTrue(apply.out().strip().matches("configmap/kubelet-config (serverside-applied|unchanged)"), apply.out());

        Kubectl.Run get = kubectl("get", "configmap", "-n", "kube-system", "kubelet-config", "-o", "yaml");
        assertEquals(0, get.exit(), get.err());
        assertTrue(get.out().contains("name: kubelet-config"), get.out());
        assertTrue(get.out().contains("namespace: kube-system"), get.out());
        assertTrue(get.out().contains("cgroupDriver: systemd"), get.out());
        JsonNode stored = server.object("v1", "ConfigMap", "kube-system", "kubelet-config").orElseThrow();
        assertEquals("cgroupDriver: systemd\n", stored.path("data").path("kubelet").asString());
        assertTrue(get.out().contains("resourceVersion: \"" + stored.path("metadata").path("resourceVersion").asString() + "\""), get.out());
    }

    @RepeatedTest(2)
    void aForeignClientCertificateIsRefusedWithUnauthorized() throws Exception {
        Path foreignDir = Files.createTempDirectory(dir, "foreign");
        TestPki foreign = TestPki.generate(foreignDir, KeyAlgorithm.ECDSA_P256);
        Path forged = foreignDir.resolve("forged.conf");
        Files.write(forged, pki.kubeconfigWithClientOf(foreign, "intruder"));
        List<String> cmd = List.of(KUBECTL.toString(), "--kubeconfig", forged.toString(), "--server", server.url().toString(),
                "--tls-server-name", TestPki.ENDPOINT, "--cache-dir", foreignDir.resolve("cache").toString(), "get", "nodes");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("error: You must be logged in to the server (the server has asked for the client to provide credentials)"), out);
    }
}
