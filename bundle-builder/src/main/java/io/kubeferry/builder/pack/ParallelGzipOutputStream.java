package io.kubeferry.builder.pack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip using every core: input is cut into chunks, each compressed on its own into a complete gzip member, and
 * the members are written in order. Concatenated members are one valid gzip stream (RFC 1952 §2.2; gzip, tar
 * and Java's GZIPInputStream read them). Reproducible: member headers carry no timestamp or name, and chunk
 * boundaries depend only on the bytes and the {@link CompressionHint}s. Memory stays bounded: at most
 * {@code 2 * threads + 1} chunks are in flight.
 *
 * <p>Bytes announced as not worth compressing (already gzip'd layers, archives) go into their own members made
 * of stored deflate blocks: no CPU spent for the ~0.5% deflate would save on them (measured by the benchmark).
 */
public final class ParallelGzipOutputStream extends OutputStream implements CompressionHint {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

    private final OutputStream out;
    private final int chunkSize;
    private final int level;
    private final boolean storeIncompressible;
    private final ExecutorService pool;
    private final int maxInFlight;
    private final Deque<Future<Member>> inFlight = new ArrayDeque<>();
    private byte[] chunk;
    private int filled;
    private boolean compressible = true;
    private boolean closed;

    /**
     * @param level               deflate level for compressible data (6 is gzip's default)
     * @param storeIncompressible store (level 0) the bytes hinted as incompressible instead of deflating them
     */
    public ParallelGzipOutputStream(OutputStream out, int threads, int chunkSize, int level, boolean storeIncompressible) {
        this.out = out;
        this.chunkSize = chunkSize;
        this.level = level;
        this.storeIncompressible = storeIncompressible;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gzip-member");
            t.setDaemon(true);
            return t;
        });
        this.maxInFlight = 2 * threads;
        this.chunk = new byte[chunkSize];
    }

    @Override
    public void compressible(boolean worthCompressing) {
        if (storeIncompressible && worthCompressing != compressible) {
            try {
                submit();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        compressible = worthCompressing;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, chunkSize - filled);
            System.arraycopy(b, off, chunk, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == chunkSize) {
                submit();
            }
        }
    }

    private void submit() throws IOException {
        if (filled == 0) {
            return;
        }
        byte[] data = chunk;
        int length = filled;
        int memberLevel = compressible || !storeIncompressible ? level : Deflater.NO_COMPRESSION;
        chunk = new byte[chunkSize];
        filled = 0;
        while (inFlight.size() >= maxInFlight) {
            drainOne();
        }
        inFlight.add(pool.submit(() -> member(data, length, memberLevel)));
    }

    private void drainOne() throws IOException {
        try {
            Member m = inFlight.removeFirst().get();
            out.write(m.bytes(), 0, m.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("compression failed: " + e.getCause(), e.getCause());
        }
    }

    /** Direct buffers of one compressing thread, reused for every member it makes. */
    private static final class Scratch {
        ByteBuffer in = ByteBuffer.allocateDirect(0);
        final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
        final byte[] copy = new byte[64 * 1024];
    }

    /**
     * Deflater and CRC32 given heap arrays hold them with JNI critical regions, during which the G1 collector cannot
     * run: with two threads deflating all the time, a small heap (-Xmx64m) failed allocations with "Retried waiting
     * for GCLocker too often". Direct buffers need no critical region.
     */
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** A member's bytes, handed over without the copy {@code toByteArray()} would make (memory: -Xmx64m builds). */
    private static final class Member extends ByteArrayOutputStream {
        Member(int size) {
            super(size);
        }

        byte[] bytes() {
            return buf;
        }
    }

    /** One complete gzip member for {@code data[0..length)}. */
    private Member member(byte[] data, int length, int level) {
        Scratch s = scratch.get();
        if (s.in.capacity() < length) {
            s.in = ByteBuffer.allocateDirect(length);
        }
        ByteBuffer in = s.in.clear();
        in.put(data, 0, length).flip();
        CRC32 crc = new CRC32();
        crc.update(in.duplicate());
        Deflater d = new Deflater(level, true);
        try {
            d.setInput(in);
            d.finish();
            // sized for the worst case once: growing it (a copy each time) is what ran small heaps out of memory
            Member buf = new Member(length + length / 1000 + 64);
            buf.writeBytes(HEADER);
            while (!d.finished()) {
                s.out.clear();
                d.deflate(s.out);
                s.out.flip();
                while (s.out.hasRemaining()) {
                    int n = Math.min(s.out.remaining(), s.copy.length);
                    s.out.get(s.copy, 0, n);
                    buf.write(s.copy, 0, n);
                }
            }
            writeIntLe(buf, (int) crc.getValue());
            writeIntLe(buf, length);
            return buf;
        } finally {
            d.end();
        }
    }

    private static void writeIntLe(ByteArrayOutputStream b, int v) {
        b.write(v);
        b.write(v >>> 8);
        b.write(v >>> 16);
        b.write(v >>> 24);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Writes the remaining members; the underlying stream is closed too. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            submit();
            while (!inFlight.isEmpty()) {
                drainOne();
            }
            if (inFlight.isEmpty() && filled == 0) {
                out.flush();
            }
        } finally {
            pool.shutdownNow();
            out.close();
        }
    }
}
