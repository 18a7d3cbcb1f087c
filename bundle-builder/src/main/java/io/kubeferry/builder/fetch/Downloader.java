package io.kubeferry.builder.fetch;

import io.kubeferry.bundle.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Downloads into the {@link ContentCache}: each file is verified against its expected sha256 before it enters the
 * cache, interrupted or stalled transfers resume with an HTTP Range request (appended only when Content-Range says
 * the bytes start where asked), failures are retried with back-off, and many files download in parallel. One digest
 * is downloaded once: a second request in this build waits for the first, and builds sharing the cache take turns
 * through its per-digest lock.
 */
public final class Downloader {
    /** How long a transfer may go without receiving a byte before it is cut and retried. */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

    private final HttpClient http;
    private final ContentCache cache;
    private final ProgressListener progress;
    private final int attempts;
    private final Duration firstBackoff;
    private final Duration stallTimeout;
    /** Runs the stall checks; its one daemon thread ends when no transfer is running. */
    private final ScheduledThreadPoolExecutor watchdog;
    /** Downloads running now, by digest: a second request for one waits for the first instead of racing it. */
    private final ConcurrentHashMap<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();

    public Downloader(HttpClient http, ContentCache cache, ProgressListener progress, int attempts, Duration firstBackoff) {
        this(http, cache, progress, attempts, firstBackoff, DEFAULT_STALL_TIMEOUT);
    }

    /**
     * @param stallTimeout a transfer that receives no byte for this long is cut and retried (resuming with Range):
     *                     {@link HttpRequest#timeout} only bounds the wait for the response headers, so without this
     *                     a server that stops sending mid-body would hang the build forever
     */
    public Downloader(HttpClient http, ContentCache cache, ProgressListener progress, int attempts, Duration firstBackoff,
                      Duration stallTimeout) {
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stall timeout must be positive: " + stallTimeout);
        }
        this.http = http;
        this.cache = cache;
        this.progress = progress;
        this.attempts = attempts;
        this.firstBackoff = firstBackoff;
        this.stallTimeout = stallTimeout;
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "download-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.setKeepAliveTime(5, TimeUnit.SECONDS);
        watchdog.allowCoreThreadTimeOut(true);
        watchdog.setRemoveOnCancelPolicy(true);
    }

    /** Also the limit for waiting on response headers of requests made for this downloader (registry blobs). */
    public Duration stallTimeout() {
        return stallTimeout;
    }

    /** An HttpClient following redirects, with proxies from the environment. */
    public static HttpClient defaultClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .proxy(new EnvProxySelector(System::getenv))
                .build();
    }

    public ContentCache cache() {
        return cache;
    }

    /** Opens the source at a byte offset (0 for the whole thing). */
    @FunctionalInterface
    public interface RangeSource {
        HttpResponse<InputStream> open(long offset) throws IOException, InterruptedException;
    }

    /** One file to fetch. */
    public record Request(String label, URI uri, String sha256) {
    }

    /** Fetches a file whose sha256 is known; returns its path in the cache (no network if already there). */
    public Path fetch(Request r) {
        return fetch(r.label(), NetworkErrors.authority(r.uri()), r.uri().toString(), r.sha256(), -1,
                offset -> http.send(get(r.uri(), offset), HttpResponse.BodyHandlers.ofInputStream()));
    }

    /** Fetches many files in parallel; the first failure (in request order) is thrown after all have finished. */
    public List<Path> fetchAll(List<Request> requests, int parallelism) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, requests.size())));
        try {
            List<Future<Path>> futures = new ArrayList<>();
            for (Request r : requests) {
                futures.add(pool.submit(() -> fetch(r)));
            }
            List<Path> out = new ArrayList<>();
            RuntimeException first = null;
            for (Future<Path> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            if (first != null) {
                throw first;
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Fetches small text (an upstream checksum file). Remembered by URL in the cache, so a rebuild reads it from
     * disk: released artifacts' checksum files do not change.
     */
    public String fetchText(URI uri, String label) {
        try {
            var known = cache.digestOfUrl(uri.toString());
            if (known.isPresent()) {
                return Files.readString(cache.path(known.get()), StandardCharsets.UTF_8);
            }
            IOException last = null;
            for (int attempt = 1; attempt <= attempts; attempt++) {
                try {
                    HttpResponse<InputStream> resp = http.send(get(uri, 0), HttpResponse.BodyHandlers.ofInputStream());
                    byte[] bytes = readBody(resp.body());
                    if (resp.statusCode() == 200) {
                        String hex = cache.putBytes(bytes);
                        cache.rememberUrl(uri.toString(), hex);
                        return new String(bytes, StandardCharsets.UTF_8);
                    }
                    if (resp.statusCode() < 500 && resp.statusCode() != 429) {
                        throw new DownloadFailedException(uri.getHost(), "GET " + uri + " for " + label + " returned HTTP "
                                + resp.statusCode(), null);
                    }
                    last = new IOException("HTTP " + resp.statusCode());
                } catch (IOException e) {
                    last = e;
                }
                if (attempt < attempts) {
                    progress.retrying(label, attempt, attempts, reason(last, NetworkErrors.authority(uri)), backoffFor(attempt));
                    backoff(attempt);
                }
            }
            throw new DownloadFailedException(uri.getHost(), "GET " + uri + " for " + label + " failed after " + attempts
                    + " attempts: " + reason(last, NetworkErrors.authority(uri)), last);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The resumable, verified transfer shared by binaries and image blobs.
     *
     * @param expectedSize bytes expected, or -1 if unknown (only used for progress and early truncation checks)
     */
    public Path fetch(String label, String host, String sourceText, String sha256, long expectedSize, RangeSource source) {
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = inFlight.putIfAbsent(sha256, mine);
        if (running != null) { // the same blob under another tag, or one file named twice: download it once
            Path done = awaitOther(running);
            progress.finished(label, true);
            return done;
        }
        try {
            Path done = fetchLocked(label, host, sourceText, sha256, expectedSize, source);
            mine.complete(done);
            return done;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(sha256, mine);
        }
    }

    private static Path awaitOther(CompletableFuture<Path> running) {
        try {
            return running.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The transfer under the digest's cache lock, so builds sharing the cache never write one partial at once. */
    private Path fetchLocked(String label, String host, String sourceText, String sha256, long expectedSize,
                             RangeSource source) {
        try {
            var cached = cache.find(sha256);
            if (cached.isPresent()) {
                progress.finished(label, true);
                return cached.get();
            }
            try (ContentCache.DigestLock lock = cache.lockDigest(sha256)) {
                cached = cache.find(sha256); // another build may have stored it while we waited
                if (cached.isPresent()) {
                    progress.finished(label, true);
                    return cached.get();
                }
                return fetchVerified(label, host, sourceText, sha256, expectedSize, source);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Path fetchVerified(String label, String host, String sourceText, String sha256, long expectedSize,
                               RangeSource source) throws IOException, InterruptedException {
        Path part = cache.partial(sha256);
        progress.started(label, expectedSize);
        Resume state = new Resume(label);
        String actual = download(label, host, sourceText, part, expectedSize, source, state);
        // a resumed whole can be wrong without the source being wrong: a partial left by an earlier run of a source
        // that changed since, or a server or proxy that answered the range with other bytes. Start once more from
        // zero before calling it a mismatch.
        if (!actual.equals(sha256) && state.resumed) {
            Files.deleteIfExists(part);
            state.resumed = false;
            actual = download(label, host, sourceText, part, expectedSize, source, state);
        }
        if (!actual.equals(sha256)) {
            Files.deleteIfExists(part);
            throw new ChecksumMismatchException(label, sourceText, sha256, actual);
        }
        Path done = cache.commit(part, sha256);
        progress.finished(label, false);
        return done;
    }

    /** What one fetch has told the progress listener, and whether it appended to bytes already on disk. */
    private final class Resume {
        private final String label;
        private long reported;
        private boolean resumed;

        Resume(String label) {
            this.label = label;
        }

        /** The transfer now has {@code onDisk} bytes: report only what was not reported yet (or take back). */
        void onDisk(long onDisk) {
            if (onDisk != reported) {
                progress.advanced(label, onDisk - reported);
                reported = onDisk;
            }
        }

        void received(int n) {
            reported += n;
            progress.advanced(label, n);
        }
    }

    /** Downloads (resuming) into {@code part} with retries; returns the sha256 of what arrived. */
    private String download(String label, String host, String sourceText, Path part, long expectedSize, RangeSource source,
                            Resume state) throws IOException, InterruptedException {
        Exception last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                if (transfer(label, host, sourceText, part, expectedSize, source, state)) {
                    return Sha256.ofFile(part);
                }
            } catch (IOException e) {
                last = e; // connection dropped: the next attempt resumes from what reached the disk
            }
            if (attempt < attempts) {
                progress.retrying(label, attempt, attempts, last != null ? reason(last, host) : "server error",
                        backoffFor(attempt));
                backoff(attempt);
            }
        }
        throw new DownloadFailedException(host, "download of " + label + " from " + sourceText + " failed after "
                + attempts + " attempts" + (last != null ? ": " + reason(last, host) : ""), last);
    }

    /** One attempt; true when the whole body arrived. Server errors count as a failed attempt, client errors stop. */
    private boolean transfer(String label, String host, String sourceText, Path part, long expectedSize, RangeSource source,
                             Resume state) throws IOException, InterruptedException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (expectedSize >= 0 && have > expectedSize) {
            Files.delete(part);
            have = 0;
        }
        HttpResponse<InputStream> resp = source.open(have);
        int status = resp.statusCode();
        try (InputStream body = resp.body()) {
            if (status == 416 && have > 0) {
                state.resumed = true;
                state.onDisk(have);
                return true; // nothing left to send: the whole file is on disk (the digest check decides)
            }
            if (status >= 500 || status == 429) {
                return false;
            }
            if (status != 200 && status != 206) {
                throw new DownloadFailedException(host, "GET " + sourceText + " for " + label + " returned HTTP " + status
                        + (status == 404 ? " (not found: check the version and the URL template or mirror)" : ""), null);
            }
            boolean append = status == 206 && have > 0;
            if (append) {
                long from = rangeStart(resp);
                if (from != have) { // not the bytes asked for: appending them would make a wrong file
                    Files.delete(part);
                    state.onDisk(0);
                    throw new IOException("asked for bytes " + have + "- and got a 206 with Content-Range "
                            + resp.headers().firstValue("content-range").orElse("(none)") + "; starting over from zero");
                }
                state.resumed = true;
            }
            state.onDisk(append ? have : 0);
            long contentLength = resp.headers().firstValueAsLong("content-length").orElse(-1);
            long wrote;
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
                 StallGuard guard = new StallGuard(body)) {
                wrote = guard.copy(body, out, state::received);
            }
            if (contentLength >= 0 && wrote < contentLength) {
                throw new IOException("connection closed after " + wrote + " of " + contentLength + " bytes");
            }
            return true;
        }
    }

    /** The first byte of a 206 answer ({@code Content-Range: bytes 100-199/200}), or -1 when it does not say. */
    static long rangeStart(HttpResponse<?> resp) {
        String range = resp.headers().firstValue("content-range").orElse("");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes\\s+(\\d+)-\\d+/(\\d+|\\*)").matcher(range.trim());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Reads a whole small response body (checksum files, manifests, tokens) and closes it; cut like a transfer
     * when no byte arrives for {@link #stallTimeout} (a request timeout does not cover the body).
     */
    public byte[] readBody(InputStream body) throws IOException {
        try (body; StallGuard guard = new StallGuard(body)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            guard.copy(body, out, n -> { });
            return out.toByteArray();
        }
    }

    /**
     * Closes a response body when no byte has arrived for {@link #stallTimeout}: a read blocked on a silent
     * connection then fails with an IOException, which the retry loop treats like a dropped connection (the next
     * attempt resumes from what reached the disk).
     */
    private final class StallGuard implements AutoCloseable {
        private final InputStream body;
        private final ScheduledFuture<?> check;
        private volatile long lastByteNanos = System.nanoTime();
        private volatile boolean fired;

        StallGuard(InputStream body) {
            this.body = body;
            long period = Math.max(10, Math.min(1000, stallTimeout.toMillis() / 4));
            this.check = watchdog.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
        }

        private void check() {
            if (!fired && System.nanoTime() - lastByteNanos >= stallTimeout.toNanos()) {
                fired = true;
                try {
                    body.close(); // wakes the reader blocked in read()
                } catch (IOException ignored) {
                    // the reader sees the stream closed either way
                }
            }
        }

        /** Copies until the end of the body; returns the bytes copied. */
        long copy(InputStream in, OutputStream out, java.util.function.IntConsumer advanced) throws IOException {
            byte[] buf = new byte[128 * 1024];
            long total = 0;
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (n > 0) {
                        lastByteNanos = System.nanoTime();
                    }
                    out.write(buf, 0, n);
                    total += n;
                    advanced.accept(n);
                }
            } catch (IOException e) {
                if (fired) {
                    throw new IOException("no data for " + stallTimeout.toSeconds() + " s after " + total
                            + " bytes (stalled connection)", e);
                }
                throw e;
            }
            if (fired) { // closed by the watchdog between reads: the end seen is not the body's
                throw new IOException("no data for " + stallTimeout.toSeconds() + " s after " + total
                        + " bytes (stalled connection)");
            }
            return total;
        }

        @Override
        public void close() {
            check.cancel(false);
        }
    }

    private HttpRequest get(URI uri, long offset) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(stallTimeout)
                .header("User-Agent", "kubeferry-bundle-builder");
        if (offset > 0) {
            b.header("Range", "bytes=" + offset + "-");
        }
        return b.build();
    }

    private void backoff(int attempt) throws InterruptedException {
        Thread.sleep(backoffFor(attempt).toMillis());
    }

    private Duration backoffFor(int attempt) {
        return Duration.ofMillis(firstBackoff.toMillis() << Math.min(attempt - 1, 6));
    }

    /** What went wrong, in words (the request timeout is the wait for response headers). */
    private String reason(Exception e, String where) {
        return NetworkErrors.describe(e, where, stallTimeout);
    }
}
