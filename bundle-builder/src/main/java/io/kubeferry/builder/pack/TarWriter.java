package io.kubeferry.builder.pack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal, reproducible ustar writer: every entry owned by root:root (0:0), one fixed mtime, explicit modes,
 * no extended headers. Sizes are known up front, so the byte length of a whole archive can be computed before it
 * is written ({@link #entryLength}), which lets one tar be streamed as an entry of another.
 */
public final class TarWriter {
    public static final int BLOCK = 512;
    private final OutputStream out;
    private final long mtime;
    private final byte[] zeros = new byte[BLOCK];

    public TarWriter(OutputStream out, long mtimeEpochSeconds) {
        this.out = out;
        this.mtime = mtimeEpochSeconds;
    }

    /** Bytes an entry of {@code size} content bytes takes in the archive. */
    public static long entryLength(long size) {
        return BLOCK + padded(size);
    }

    /** Bytes of the end-of-archive marker. */
    public static long trailerLength() {
        return 2L * BLOCK;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    public void directory(String name, int mode) throws IOException {
        out.write(header(name.endsWith("/") ? name : name + "/", mode, 0, (byte) '5'));
    }

    /** Writes a file entry whose content is exactly {@code size} bytes from {@code in}. */
    public void file(String name, int mode, long size, InputStream in) throws IOException {
        beginFile(name, mode, size);
        long left = size;
        byte[] buf = new byte[128 * 1024];
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException(name + ": source ended " + left + " bytes early (changed while packing?)");
            }
            out.write(buf, 0, n);
            left -= n;
        }
        endFile(size);
    }

    /** Starts a file entry; the caller writes exactly {@code size} bytes to the underlying stream, then {@link #endFile}. */
    public void beginFile(String name, int mode, long size) throws IOException {
        out.write(header(name, mode, size, (byte) '0'));
    }

    public void endFile(long size) throws IOException {
        int pad = (int) (padded(size) - size);
        if (pad > 0) {
            out.write(zeros, 0, pad);
        }
    }

    public void finish() throws IOException {
        out.write(zeros);
        out.write(zeros);
    }

    private byte[] header(String name, int mode, long size, byte type) {
        byte[] h = new byte[BLOCK];
        byte[] full = name.getBytes(StandardCharsets.UTF_8);
        String prefix = "";
        String base = name;
        if (full.length > 100) {
            int split = -1;
            for (int i = name.indexOf('/'); i >= 0 && i < name.length() - 1; i = name.indexOf('/', i + 1)) {
                if (utf8Length(name.substring(i + 1)) <= 100 && utf8Length(name.substring(0, i)) <= 155) {
                    split = i;
                    break;
                }
            }
            if (split < 0) {
                throw new IllegalArgumentException("path too long for a ustar entry: " + name);
            }
            prefix = name.substring(0, split);
            base = name.substring(split + 1);
        }
        put(h, 0, 100, base.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        if (size < 077777777777L) {
            octal(h, 124, 12, size);
        } else {
            // base-256 for files of 8 GiB and more (GNU extension every tar reads)
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                h[135 - i] = (byte) (size >>> (8 * i));
            }
        }
        octal(h, 136, 12, mtime);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        h[156] = type;
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 265, 32, "root".getBytes(StandardCharsets.US_ASCII));
        put(h, 297, 32, "root".getBytes(StandardCharsets.US_ASCII));
        octal(h, 329, 8, 0);
        octal(h, 337, 8, 0);
        put(h, 345, 155, prefix.getBytes(StandardCharsets.UTF_8));
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] chk = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(chk, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void put(byte[] h, int off, int len, byte[] v) {
        System.arraycopy(v, 0, h, off, Math.min(len, v.length));
    }

    /** Zero-padded octal with a trailing NUL, filling {@code len} bytes. */
    private static void octal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        put(h, off, len - 1, padded.getBytes(StandardCharsets.US_ASCII));
        h[off + len - 1] = 0;
    }
}
