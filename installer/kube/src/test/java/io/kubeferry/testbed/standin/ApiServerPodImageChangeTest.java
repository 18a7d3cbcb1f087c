package io.kubeferry.testbed.standin;

import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.kube.TestPki;
import io.kubeferry.pem.ClientTls;
import io.kubeferry.pki.Kubeconfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The kubelet STAND-IN runs the kube-apiserver static pod as the stand-in API server (kubeferry-kube's test-jar,
 * here on the class path), whose /version is the image's tag; an upgrade rewriting the manifest with a new image gets
 * the old server stopped (its port is free again: the new one binds the same) and a new one saying the new version.
 * In this module because the stand-in API server lives here (testbed loads it by name); containerd is a fake
 * {@code ctr} listing both images.
 */
class ApiServerPodImageChangeTest {
    @TempDir
    Path dir;

    @Test
    void aManifestWithANewImageBringsAServerOfThatVersionOnTheSamePort() throws Exception {
        TestPki pki = TestPki.generate(Files.createDirectories(dir.resolve("pki")), KeyAlgorithm.ECDSA_P256);
        Path manifests = Files.createDirectories(dir.resolve("manifests"));
        Path ctr = dir.resolve("ctr");
        Files.writeString(ctr, "#!/bin/sh\n[ \"$5 $6 $7\" = \"images ls -q\" ] && printf '%s\\n' "
                + "registry.k8s.io/kube-apiserver:v1.32.9 registry.k8s.io/kube-apiserver:v1.33.5 && exit 0\nexit 1\n");
        Files.setPosixFilePermissions(ctr, PosixFilePermissions.fromString("rwxr-xr-x"));
        PodStatusFiles status = new PodStatusFiles(dir.resolve("standin-pods"), dir.resolve("pod-logs"));
        StaticPodSync sync = new StaticPodSync(manifests, new Containerd(ctr, dir.resolve("containerd.sock")), status);
        int port = freePort();
        Map<String, String> flags = pki.apiServerFlags();
        try {
            writeManifest(manifests, "v1.32.9", port, flags);
            sync.tick();
            assertEquals("Running", status(status).get("state"), status(status).toString());
            JsonNode v = version(pki, port);
            assertEquals("32", v.path("minor").asString());
            assertEquals("v1.32.9-stand-in", v.path("gitVersion").asString());

            writeManifest(manifests, "v1.33.5", port, flags);
            sync.tick();
            assertEquals("Running", status(status).get("state"), status(status).toString());
            assertEquals("registry.k8s.io/kube-apiserver:v1.33.5", status(status).get("image"));
            v = version(pki, port);
            assertEquals("1", v.path("major").asString());
            assertEquals("33", v.path("minor").asString());
            assertEquals("v1.33.5-stand-in", v.path("gitVersion").asString());
        } finally {
            sync.close();
        }
    }

    private static void writeManifest(Path manifests, String tag, int port, Map<String, String> flags) throws Exception {
        // no hostPath volumes: the stand-in reads the flags' paths as written, here the test PKI's files
        Files.writeString(manifests.resolve("kube-apiserver.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: kube-apiserver
                  namespace: kube-system
                spec:
                  containers:
                  - name: kube-apiserver
                    image: registry.k8s.io/kube-apiserver:%s
                    command:
                    - kube-apiserver
                    - --bind-address=127.0.0.1
                    - --secure-port=%d
                    - --tls-cert-file=%s
                    - --tls-private-key-file=%s
                    - --client-ca-file=%s
                  hostNetwork: true
                """.formatted(tag, port, flags.get("tls-cert-file"), flags.get("tls-private-key-file"), flags.get("client-ca-file")));
    }

    /** GET /version with admin.conf's credentials, on a new connection (the old server's one is gone). */
    private static JsonNode version(TestPki pki, int port) throws Exception {
        Kubeconfigs.Parsed conf = Kubeconfigs.parse(pki.adminConf());
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .sslContext(ClientTls.of(conf.caPem(), conf.clientCertPem(), conf.clientKeyPem(), "admin.conf")).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/version"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    private static Map<String, String> status(PodStatusFiles status) throws Exception {
        return Files.readAllLines(status.file("kube-apiserver")).stream().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
