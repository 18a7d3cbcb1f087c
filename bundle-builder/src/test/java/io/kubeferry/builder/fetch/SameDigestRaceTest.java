package io.kubeferry.builder.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kubeferry.builder.support.FileServer;
import io.kubeferry.bundle.Sha256;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two downloads of one digest forced to overlap: the first is held half-way by the file server while the second
 * starts. The second must wait for the first (one download, one partial file), whether both come from one build
 * (one Downloader) or from two builds sharing the cache directory (two Downloaders and ContentCaches).
 */
class SameDigestRaceTest {
    @TempDir
    Path dir;

    @Test
    void secondDownloadOfADigestInOneBuildWaitsForTheFirst() throws Exception {
        ContentCache cache = new ContentCache(dir.resolve("cache"));
        Downloader d = new Downloader(Downloader.defaultClient(), cache, ProgressListener.NONE, 3, Duration.ofMillis(10));
        overlap(d, d);
    }

    @Test
    void secondDownloadOfADigestByAnotherBuildOnTheSameCacheWaitsForTheFirst() throws Exception {
        Downloader a = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                ProgressListener.NONE, 3, Duration.ofMillis(10));
        Downloader b = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                ProgressListener.NONE, 3, Duration.ofMillis(10));
        overlap(a, b);
    }

    private void overlap(Downloader first, Downloader second) throws Exception {
        byte[] body = new byte[2_000_000];
        new Random(21).nextBytes(body);
        String hex = Sha256.ofBytes(body);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FileServer server = new FileServer()) {
            server.put("/layer", body);
            FileServer.Gate gate = server.gateOnce("/layer");
            Downloader.Request request = new Downloader.Request("layer", URI.create(server.base() + "/layer"), hex);
            Future<Path> a = pool.submit(() -> first.fetch(request));
            gate.awaitHalfSent(); // the first transfer is in flight with half the bytes sent
            Future<Path> b = pool.submit(() -> second.fetch(new Downloader.Request("same layer, other tag",
                    request.uri(), hex)));
            // while the first is held, the second must not finish: it would have resumed the first one's partial
            // file and moved it into the store under the first one's feet
            boolean secondFinishedEarly;
            try {
                b.get(700, TimeUnit.MILLISECONDS);
                secondFinishedEarly = true;
            } catch (TimeoutException expected) {
                secondFinishedEarly = false;
            } catch (java.util.concurrent.ExecutionException e) {
                secondFinishedEarly = true;
            }
            gate.open();
            assertFalse(secondFinishedEarly, "the second download of one digest ran while the first was in flight");
            Path pa = a.get(30, TimeUnit.SECONDS);
            Path pb = b.get(30, TimeUnit.SECONDS);
            assertEquals(pa, pb);
            assertEquals(hex, Sha256.ofFile(pa));
            assertEquals(List.of("GET /layer"), server.requests(), "one download for both");
            try (Stream<Path> partials = Files.list(dir.resolve("cache/partial"))) {
                assertEquals(List.of(), partials.toList(), "no partial file left");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
