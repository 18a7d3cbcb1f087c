package io.kubeferry.ssh;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Collects a command's output up to a limit, so a runaway command cannot exhaust our memory. */
final class BoundedBuffer extends OutputStream {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final int limit;
    private long dropped;

    BoundedBuffer(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) {
        if (buf.size() < limit) {
            buf.write(b);
        } else {
            dropped++;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int room = Math.max(0, limit - buf.size());
        int n = Math.min(room, len);
        buf.write(b, off, n);
        dropped += len - n;
    }

    synchronized String text() {
        String s = buf.toString(StandardCharsets.UTF_8);
        return dropped == 0 ? s : s + "\n[... " + dropped + " more bytes of output dropped]\n";
    }
}
