package io.kubeferry.builder.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.registry.ImageReference;
import io.kubeferry.builder.registry.Platform;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryCredentials;
import io.kubeferry.builder.registry.RegistryException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that is down, speaks no TLS, or holds the connection open without answering: the error says which
 * and where (it said "failed after 4 attempts: null"), and every retry is a line of its own.
 */
class DownloadErrorsTest {
    @TempDir
    Path dir;
    final List<String> retries = new CopyOnWriteArrayList<>();

    Downloader downloader(Duration headerTimeout) throws IOException {
        ProgressListener listener = new ProgressListener() {
            @Override
            public void retrying(String label, int attempt, int attempts, String reason, Duration wait) {
                retries.add(label + " " + attempt + "/" + attempts + ": " + reason);
            }
        };
        return new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")), listener, 2,
                Duration.ofMillis(10), headerTimeout);
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void serverDownSaysConnectionRefusedAndWhere() throws Exception {
        int port = closedPort();
        Downloader d = downloader(Duration.ofSeconds(5));
        DownloadFailedException e = assertThrows(DownloadFailedException.class, () -> d.fetch(new Downloader.Request(
                "bin/amd64/kubelet", URI.create("http://127.0.0.1:" + port + "/kubelet"), "a".repeat(64))));
        assertTrue(e.getMessage().contains("connection refused by 127.0.0.1:" + port), e.getMessage());
        assertFalse(e.getMessage().contains("null"), e.getMessage());
        assertEquals(1, retries.size(), retries.toString());
        assertTrue(retries.get(0).contains("1/2: connection refused by 127.0.0.1:" + port), retries.toString());

        DownloadFailedException text = assertThrows(DownloadFailedException.class, () -> d.fetchText(
                URI.create("http://127.0.0.1:" + port + "/SHA256SUMS"), "checksum"));
        assertTrue(text.getMessage().contains("connection refused by 127.0.0.1:" + port), text.getMessage());
    }

    @Test
    void registryDownSaysConnectionRefused() throws Exception {
        int port = closedPort();
        Downloader d = downloader(Duration.ofSeconds(5));
        RegistryClient registry = new RegistryClient(RegistryClient.defaultClient(), d, new RegistryCredentials(), h -> false);
        ImageReference ref = ImageReference.parse("127.0.0.1:" + port + "/test/app:1");
        RegistryException e = assertThrows(RegistryException.class, () -> registry.resolve(ref, ref,
                List.of(Platform.linux("amd64"))));
        assertTrue(e.getMessage().contains("connection refused by 127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void tlsToAPlainHttpServerSaysTls() throws Exception {
        // a plain-HTTP server answering a TLS hello with a plain 400, as nginx or a registry without TLS does
        try (ServerSocket plain = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket s = plain.accept()) {
                            s.getInputStream().read(new byte[512]);
                            s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        }
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            server.setDaemon(true);
            server.start();
            Downloader d = downloader(Duration.ofSeconds(5));
            String https = "https://127.0.0.1:" + plain.getLocalPort() + "/f";
            DownloadFailedException e = assertThrows(DownloadFailedException.class,
                    () -> d.fetch(new Downloader.Request("f", URI.create(https), "a".repeat(64))));
            assertTrue(e.getMessage().contains("TLS handshake with 127.0.0.1:" + plain.getLocalPort() + " failed"), e.getMessage());
        }
    }

    @Test
    void connectionHeldOpenWithoutHeadersIsBoundedAndSaysWhatItAwaited() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, request never answered
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Downloader d = downloader(Duration.ofSeconds(1));
            long start = System.nanoTime();
            URI uri = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/etcd.tar.gz");
            DownloadFailedException e = assertThrows(DownloadFailedException.class,
                    () -> d.fetch(new Downloader.Request("bin/amd64/etcd.tar.gz", uri, "a".repeat(64))));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(e.getMessage().contains("no response from 127.0.0.1:" + silent.getLocalPort()
                    + " within 1 s (connected; waiting for the response headers)"), e.getMessage());
            assertTrue(seconds < 20, "bounded: " + seconds + " s");
            assertEquals(1, retries.size(), retries.toString());
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void unknownHostIsNamed() {
        String m = NetworkErrors.describe(new java.net.ConnectException(null) {
            {
                initCause(new UnknownHostException("registry.example.invalid"));
            }
        }, "registry.example.invalid:443", Duration.ofSeconds(30));
        assertTrue(m.startsWith("unknown host registry.example.invalid (DNS lookup failed"), m);
    }
}
