package io.kubeferry.builder.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A local HTTP file server on 127.0.0.1 standing in for dl.k8s.io and GitHub releases: serves byte arrays by path,
 * honours {@code Range: bytes=N-}, records every request, and can drop the connection half-way through a file
 * the first time it is asked for it, or stall half-way with the connection open (to prove downloads resume).
 */
public final class FileServer implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** Served from disk, streamed: files too big to hold in memory (real release archives). */
    private final Map<String, Path> diskFiles = new ConcurrentHashMap<>();
    private final Set<String> dropOnce = ConcurrentHashMap.newKeySet();
    private final Set<String> stallOnce = ConcurrentHashMap.newKeySet();
    private final Map<String, Gate> gateOnce = new ConcurrentHashMap<>();
    private final Set<String> wrongRangeOnce = ConcurrentHashMap.newKeySet();
    private final Set<String> corruptRangeOnce = ConcurrentHashMap.newKeySet();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    /** Released on close: stalled responses wait on it, sending nothing, with the connection open. */
    private final CountDownLatch closing = new CountDownLatch(1);

    public FileServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "file-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void put(String path, byte[] content) {
        files.put(path, content);
    }

    /** Serves {@code file} at {@code path}, streamed from disk on each request (with {@code Range: bytes=N-}). */
    public void putFile(String path, Path file) {
        diskFiles.put(path, file);
    }

    /** The next GET of {@code path} sends half the body, then closes the connection. */
    public void dropOnce(String path) {
        dropOnce.add(path);
    }

    /**
     * The next GET of {@code path} sends the headers and half the body, then nothing more while keeping the
     * connection open (until the server is closed), like a peer gone silent mid-transfer.
     */
    public void stallOnce(String path) {
        stallOnce.add(path);
    }

    /**
     * The next GET of {@code path} sends the headers and half the body, then waits until the test opens the gate,
     * then sends the rest: a transfer held in flight at a point the test chooses.
     */
    public Gate gateOnce(String path) {
        Gate g = new Gate(new CountDownLatch(1), new CountDownLatch(1));
        gateOnce.put(path, g);
        return g;
    }

    /** A transfer held half-way: {@link #awaitHalfSent()} returns once half the body is out, {@link #open()} lets it finish. */
    public record Gate(CountDownLatch halfSent, CountDownLatch opened) {
        public void awaitHalfSent() throws InterruptedException {
            if (!halfSent.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the gated request never came");
            }
        }

        public void open() {
            opened.countDown();
        }
    }

    /** The next ranged GET of {@code path} answers 206 with the bytes from offset 0 and a Content-Range that says so. */
    public void wrongRangeOnce(String path) {
        wrongRangeOnce.add(path);
    }

    /** The next ranged GET of {@code path} answers a correct-looking 206 whose bytes are wrong (flipped). */
    public void corruptRangeOnce(String path) {
        corruptRangeOnce.add(path);
    }

    /** "GET /path" or "GET /path bytes=N-", in arrival order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(ex.getRequestMethod() + " " + path + (range != null ? " " + range : ""));
        Path onDisk = diskFiles.get(path);
        if (onDisk != null) {
            serveFromDisk(ex, onDisk, range);
            return;
        }
        byte[] body = files.get(path);
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        long from = 0;
        if (range != null && range.matches("bytes=\\d+-")) {
            from = Long.parseLong(range.substring(6, range.length() - 1));
            if (from >= body.length) {
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            if (wrongRangeOnce.remove(path)) {
                from = 0; // a server (or proxy) that answers a range with the wrong part, and says so
            } else if (corruptRangeOnce.remove(path)) {
                body = body.clone();
                for (int i = (int) from; i < body.length; i++) {
                    body[i] ^= 0x5a;
                }
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        OutputStream out = ex.getResponseBody();
        if (from == 0 && dropOnce.remove(path)) {
            out.write(body, 0, body.length / 2);
            out.flush();
            // an exception out of the handler makes the JDK server close the connection mid-body
            throw new IOException("test server drops the connection half-way through " + path);
        }
        Gate gate = from == 0 ? gateOnce.remove(path) : null;
        if (gate != null) {
            out.write(body, 0, body.length / 2);
            out.flush();
            gate.halfSent().countDown();
            try {
                gate.opened().await(5, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(body, body.length / 2, body.length - body.length / 2);
            out.close();
            return;
        }
        if (from == 0 && stallOnce.remove(path)) {
            out.write(body, 0, body.length / 2);
            out.flush();
            try {
                closing.await(5, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("test server stalled half-way through " + path);
        }
        out.write(body, (int) from, (int) (body.length - from));
        out.close();
    }

    private static void serveFromDisk(HttpExchange ex, Path file, String range) throws IOException {
        long size = Files.size(file);
        long from = 0;
        if (range != null && range.matches("bytes=\\d+-")) {
            from = Long.parseLong(range.substring(6, range.length() - 1));
            if (from >= size) {
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (size - 1) + "/" + size);
            ex.sendResponseHeaders(206, size - from);
        } else {
            ex.sendResponseHeaders(200, size);
        }
        try (InputStream in = Files.newInputStream(file); OutputStream out = ex.getResponseBody()) {
            in.skipNBytes(from);
            in.transferTo(out);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
