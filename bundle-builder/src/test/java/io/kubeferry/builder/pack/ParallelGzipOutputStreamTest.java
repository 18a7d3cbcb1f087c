package io.kubeferry.builder.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelGzipOutputStreamTest {
    @TempDir
    Path dir;

    private static byte[] gzip(byte[] data, boolean hintHalfIncompressible) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, 2, 64 * 1024, 6, true)) {
            int half = data.length / 2;
            gz.write(data, 0, half);
            gz.compressible(!hintHalfIncompressible);
            gz.write(data, half, data.length - half);
        }
        return out.toByteArray();
    }

    @Test
    void manyMembersMakeOneValidStreamThatGzipReads() throws IOException, InterruptedException {
        byte[] data = new byte[1_000_000];
        new Random(1).nextBytes(data);
        for (int i = 0; i < data.length / 2; i++) {
            data[i] = (byte) ('a' + i % 7); // compressible first half
        }
        byte[] gz = gzip(data, true);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertArrayEquals(data, in.readAllBytes());
        }
        Path f = dir.resolve("x.gz");
        Files.write(f, gz);
        Process p = new ProcessBuilder("gzip", "-dc", f.toString()).start();
        byte[] viaGzip = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertArrayEquals(data, viaGzip);
        assertArrayEquals(gz, gzip(data, true), "same input, same bytes");
        assertTrue(gz.length < data.length * 0.6, "compressible half compressed: " + gz.length);
    }

    @Test
    void tarWriterSplitsLongNamesIntoThePrefixField() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String longName = "kubeferry-1.34.1-linux-amd64/runtime/legal/java.base/" + "x".repeat(60) + "/" + "y".repeat(90);
        TarWriter t = new TarWriter(out, BundlePacker.FIXED_MTIME);
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        t.file(longName, 0755, body.length, new ByteArrayInputStream(body));
        t.finish();
        assertEquals(TarWriter.entryLength(body.length) + TarWriter.trailerLength(), out.size());
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            TarArchiveEntry e = in.getNextEntry();
            assertEquals(longName, e.getName());
            assertEquals(0755, e.getMode() & 0777);
            assertArrayEquals(body, in.readAllBytes());
        }
    }
}
