package io.kubeferry.builder.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.support.FileServer;
import io.kubeferry.bundle.Sha256;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloaderTest {
    @TempDir
    Path dir;

    @Test
    void staleTooLongAndWrongPartialsFromEarlierRunsAreRedownloaded() throws Exception {
        byte[] body = new byte[300_000];
        new Random(5).nextBytes(body);
        String hex = Sha256.ofBytes(body);
        try (FileServer server = new FileServer()) {
            server.put("/f", body);
            ContentCache cache = new ContentCache(dir.resolve("cache"));
            Downloader d = new Downloader(Downloader.defaultClient(), cache, ProgressListener.NONE, 3, Duration.ofMillis(10));
            // an earlier run left a partial with wrong bytes: resuming gives a wrong digest, so start over once
            byte[] junk = new byte[100_000];
            Files.write(cache.partial(hex), junk);
            Path p = d.fetch(new Downloader.Request("f", URI.create(server.base() + "/f"), hex));
            assertEquals(hex, Sha256.ofFile(p));
            // a partial longer than the file (416 on resume) also recovers
            Files.delete(p);
            Files.write(cache.partial(hex), new byte[400_000]);
            assertEquals(hex, Sha256.ofFile(d.fetch(new Downloader.Request("f", URI.create(server.base() + "/f"), hex))));
            List<String> requests = server.requests();
            assertTrue(requests.contains("GET /f bytes=100000-"), requests.toString());
            assertTrue(requests.contains("GET /f bytes=400000-"), requests.toString());
        }
    }

    /** Sums what a transfer reports, as the console's progress line does. */
    static final class CountingProgress implements ProgressListener {
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void advanced(String label, long n) {
            bytes.addAndGet(n);
        }
    }

    @Test
    void resumedDownloadCountsEachByteOnce() throws Exception {
        byte[] body = new byte[1_000_000];
        new Random(7).nextBytes(body);
        String hex = Sha256.ofBytes(body);
        try (FileServer server = new FileServer()) {
            server.put("/f", body);
            server.dropOnce("/f");
            CountingProgress progress = new CountingProgress();
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")), progress, 3,
                    Duration.ofMillis(10));
            d.fetch(new Downloader.Request("f", URI.create(server.base() + "/f"), hex));
            assertEquals(2, server.requests().size(), server.requests().toString());
            assertEquals(body.length, progress.bytes.get(), "bytes reported for a resumed download");
        }
    }

    /**
     * wrongRange: the range is answered from another offset (and Content-Range says so): never appended, started
     * over. corruptRange: a correct-looking range with wrong bytes: the whole is wrong, so it starts over once from
     * zero before the source is blamed.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"wrongRange", "corruptRange"})
    void resumeThatBringsOtherBytesStartsOverFromZero(String fault) throws Exception {
        byte[] body = new byte[1_000_000];
        new Random(8).nextBytes(body);
        String hex = Sha256.ofBytes(body);
        try (FileServer server = new FileServer()) {
            server.put("/f", body);
            server.dropOnce("/f");
            if (fault.equals("wrongRange")) {
                server.wrongRangeOnce("/f");
            } else {
                server.corruptRangeOnce("/f");
            }
            CountingProgress progress = new CountingProgress();
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")), progress, 3,
                    Duration.ofMillis(10));
            Path p = d.fetch(new Downloader.Request("f", URI.create(server.base() + "/f"), hex));
            assertEquals(hex, Sha256.ofFile(p));
            List<String> requests = server.requests();
            assertEquals(3, requests.size(), requests.toString());
            assertTrue(requests.get(1).startsWith("GET /f bytes="), requests.toString());
            assertEquals("GET /f", requests.get(2), "started over from zero");
            assertEquals(body.length, progress.bytes.get());
        }
    }

    @Test
    void missingFileFailsWithTheUrlAndStatus() throws Exception {
        try (FileServer server = new FileServer()) {
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                    ProgressListener.NONE, 3, Duration.ofMillis(10));
            DownloadFailedException e = assertThrows(DownloadFailedException.class,
                    () -> d.fetch(new Downloader.Request("bin/amd64/kubelet", URI.create(server.base() + "/nope"), "a".repeat(64))));
            assertTrue(e.getMessage().contains("/nope") && e.getMessage().contains("HTTP 404"), e.getMessage());
            assertEquals(1, server.requests().size(), "a 404 is not retried");
        }
    }

    @Test
    void closedPortFailsAfterRetries() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                ProgressListener.NONE, 3, Duration.ofMillis(10));
        DownloadFailedException e = assertThrows(DownloadFailedException.class,
                () -> d.fetch(new Downloader.Request("x", URI.create("http://127.0.0.1:" + port + "/x"), "b".repeat(64))));
        assertTrue(e.getMessage().contains("failed after 3 attempts"), e.getMessage());
    }

    @Test
    void bodyThatStallsMidwayIsCutAfterTheStallTimeoutAndResumedWithRange() throws Exception {
        byte[] body = new byte[1_000_000];
        new Random(6).nextBytes(body);
        String hex = Sha256.ofBytes(body);
        try (FileServer server = new FileServer()) {
            server.put("/slow", body);
            server.stallOnce("/slow");
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                    ProgressListener.NONE, 3, Duration.ofMillis(10), Duration.ofSeconds(1));
            // without the watchdog the read blocks until the server gives up (minutes): the test would time out
            Path p = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> d.fetch(new Downloader.Request("slow", URI.create(server.base() + "/slow"), hex)));
            assertEquals(hex, Sha256.ofFile(p));
            List<String> requests = server.requests();
            assertEquals(2, requests.size(), requests.toString());
            assertEquals("GET /slow", requests.get(0));
            long offset = Long.parseLong(requests.get(1).replaceFirst("GET /slow bytes=(\\d+)-", "$1"));
            assertTrue(offset > 0 && offset <= body.length / 2, "resumed from what arrived before the stall: " + requests);
        }
    }

    @Test
    void checksumFileThatStallsIsCutAndRetried() throws Exception {
        byte[] text = ("0".repeat(64) + "  kubelet\n").repeat(2000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (FileServer server = new FileServer()) {
            server.put("/SHA256SUMS", text);
            server.stallOnce("/SHA256SUMS");
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                    ProgressListener.NONE, 3, Duration.ofMillis(10), Duration.ofSeconds(1));
            String got = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> d.fetchText(URI.create(server.base() + "/SHA256SUMS"), "checksums"));
            assertEquals(new String(text, java.nio.charset.StandardCharsets.UTF_8), got);
            assertEquals(List.of("GET /SHA256SUMS", "GET /SHA256SUMS"), server.requests());
        }
    }
}
