package io.kubeferry.builder.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
}
