package io.kubeferry.kube;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.kube.testsupport.StandInApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stand-in's /readyz makes a real TLS health call to a real etcd (Debian's etcd 3.4, TLS with the PKI's
 * etcd/server certificate, client certificates required) with the kube-apiserver's --etcd-* flags.
 */
class StandInReadyzWithRealEtcdTest {
    @TempDir
    Path dir;
    Process etcd;

    @AfterEach
    void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.destroy();
            etcd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void readyzFollowsEtcdHealthAndTheEtcdClientCertificate() throws Exception {
        TestPki pki = TestPki.generate(dir, KeyAlgorithm.ECDSA_P256);
        int clientPort = freePort();
        Path r = pki.root();
        Map<String, String> flags = startEtcd(pki, clientPort);
        List<String> progress = new ArrayList<>();
        try (StandInApiServer server = StandInApiServer.fromFlags(flags);
             KubeApi api = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            api.waitForReadyz(Duration.ofSeconds(30), progress::add);
        } catch (HostFailureException e) {
            throw new AssertionError(e.getMessage() + "\netcd log:\n" + Files.readString(dir.resolve("etcd.log")), e);
        }

        // a client certificate etcd's CA did not sign: etcd refuses the handshake, /readyz fails naming etcd
        Map<String, String> wrongClient = new HashMap<>(flags);
        wrongClient.put("etcd-certfile", r.resolve("hosts/cp1/apiserver-kubelet-client.crt").toString());
        wrongClient.put("etcd-keyfile", r.resolve("hosts/cp1/apiserver-kubelet-client.key").toString());
        try (StandInApiServer server = StandInApiServer.fromFlags(wrongClient);
             KubeApi api = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            HostFailureException e = assertThrows(HostFailureException.class, () -> api.waitForReadyz(Duration.ofSeconds(1), p -> { }));
            assertTrue(e.getMessage().contains("/readyz answered 500: etcd failed: https://127.0.0.1:" + clientPort), e.getMessage());
        }

        // etcd stopped: not ready
        etcd.destroy();
        etcd.waitFor(10, TimeUnit.SECONDS);
        try (StandInApiServer server = StandInApiServer.fromFlags(flags);
             KubeApi api = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            HostFailureException e = assertThrows(HostFailureException.class, () -> api.waitForReadyz(Duration.ofSeconds(1), p -> { }));
            assertTrue(e.getMessage().contains("etcd failed"), e.getMessage());
            assertTrue(e.getMessage().contains("ConnectException"), e.getMessage());
        }
    }

    /** A real single-member etcd with TLS on loopback; the kube-apiserver flags that reach it. */
    private Map<String, String> startEtcd(TestPki pki, int clientPort) throws Exception {
        int peerPort = freePort();
        Path r = pki.root();
        etcd = new ProcessBuilder("/usr/bin/etcd", "--name", "cp1", "--data-dir", dir.resolve("etcd-data").toString(),
                "--listen-client-urls", "https://127.0.0.1:" + clientPort, "--advertise-client-urls", "https://127.0.0.1:" + clientPort,
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", "cp1=http://127.0.0.1:" + peerPort, "--listen-metrics-urls", "",
                "--cert-file", r.resolve("hosts/cp1/etcd/server.crt").toString(),
                "--key-file", r.resolve("hosts/cp1/etcd/server.key").toString(),
                "--client-cert-auth", "--trusted-ca-file", r.resolve("etcd/ca.crt").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        Map<String, String> flags = new HashMap<>(pki.apiServerFlags());
        flags.put("etcd-servers", "https://127.0.0.1:" + clientPort);
        flags.put("etcd-cafile", r.resolve("etcd/ca.crt").toString());
        flags.put("etcd-certfile", r.resolve("hosts/cp1/apiserver-etcd-client.crt").toString());
        flags.put("etcd-keyfile", r.resolve("hosts/cp1/apiserver-etcd-client.key").toString());
        return flags;
    }

    /**
     * Two API servers of one cluster share their state through etcd, as real ones do: what one stores the other
     * serves with the same resourceVersion (etcd's revision), and an apply through the other changes nothing.
     */
    @Test
    void twoApiServersShareTheirObjectsThroughEtcd() throws Exception {
        TestPki pki = TestPki.generate(dir, KeyAlgorithm.ECDSA_P256);
        Map<String, String> flags = startEtcd(pki, freePort());
        String cm = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: shared, namespace: kube-system}
                data: {k: v}
                """;
        try (StandInApiServer a = StandInApiServer.fromFlags(flags);
             StandInApiServer b = StandInApiServer.fromFlags(flags);
             KubeApi viaA = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", a.url());
             KubeApi viaB = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", b.url())) {
            viaA.waitForReadyz(Duration.ofSeconds(30), p -> { });
            viaB.waitForReadyz(Duration.ofSeconds(30), p -> { });
            var applied = viaA.apply("cm.yaml", cm);
            var seen = viaB.get("v1", "ConfigMap", "kube-system", "shared").orElseThrow();
            assertEquals("v", ((Map<?, ?>) seen.getAdditionalProperties().get("data")).get("k"));
            assertEquals(applied.get(0).resourceVersion(), seen.getMetadata().getResourceVersion());
            var again = viaB.apply("cm.yaml", cm);
            assertFalse(again.get(0).changed(), again.toString());
            assertTrue(viaB.delete("v1", "ConfigMap", "kube-system", "shared"));
            assertTrue(viaA.get("v1", "ConfigMap", "kube-system", "shared").isEmpty());
        } catch (HostFailureException e) {
            throw new AssertionError(e.getMessage() + "\netcd log:\n" + Files.readString(dir.resolve("etcd.log")), e);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(TestPki.loopback(), 0));
            return s.getLocalPort();
        }
    }
}
