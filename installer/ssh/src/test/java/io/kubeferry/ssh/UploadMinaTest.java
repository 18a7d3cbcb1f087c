package io.kubeferry.ssh;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.UploadResult;
import io.kubeferry.inventory.Host;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Uploads over SFTP to a real in-process SSH server that writes to the local disk. */
class UploadMinaTest {
    static final int SIZE = 24 * 1024 * 1024;

    @TempDir
    Path dir;
    MinaServer server;
    Host host;
    Path local;
    Path remoteDir;

    @BeforeEach
    void start() throws IOException {
        server = MinaServer.start(null, Set.of("password"));
        host = server.passwordHost(dir.resolve("known_hosts"));
        local = dir.resolve("payload.bin");
        writeRandom(local, SIZE, 1);
        remoteDir = dir.resolve("remote");
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    static void writeRandom(Path p, long size, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long done = 0; done < size; done += buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, size - done));
            }
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 20];
            int n;
            while ((n = in.read(b)) > 0) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void uploadsIntoANewDirectoryWithModeAndOwnerThenSkipsWhenUnchanged() throws Exception {
        Path target = remoteDir.resolve("a/b/payload.bin");
        AtomicLong lastProgress = new AtomicLong();
        TransferListener l = new TransferListener() {
            @Override
            public void progress(String h, String path, long done, long size) {
                lastProgress.set(done);
            }
        };
        try (SshHost h = SshHost.connect(host)) {
            UploadResult r = h.upload(local, target.toString(), 0750, l);
            assertFalse(r.skipped());
            assertEquals(SIZE, r.size());
            assertEquals(SIZE, r.bytesSent());
            assertEquals(SIZE, lastProgress.get());
            assertEquals(sha256(local), r.sha256());
            assertEquals(sha256(local), sha256(target));
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
            assertEquals("0:0", h.exec("stat -c %u:%g " + target).stdout().strip());
            assertFalse(Files.exists(Path.of(Uploader.partPath(target.toString()))));

            UploadResult again = h.upload(local, target.toString(), 0750);
            assertTrue(again.skipped());
            assertEquals(0, again.bytesSent());

            // same content, other mode: not re-sent, mode fixed
            UploadResult modeOnly = h.upload(local, target.toString(), 0644);
            assertTrue(modeOnly.skipped());
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));

            // changed content is sent again
            writeRandom(local, SIZE / 2, 2);
            UploadResult changed = h.upload(local, target.toString(), 0644);
            assertFalse(changed.skipped());
            assertEquals(SIZE / 2, changed.bytesSent());
            assertEquals(sha256(local), sha256(target));
        }
    }

    @Test
    void resumesAfterADroppedConnection() throws Exception {
        Path target = remoteDir.resolve("payload.bin");
        Path part = Path.of(Uploader.partPath(target.toString()));
        AtomicBoolean dropped = new AtomicBoolean();
        List<String> modesInTransit = new CopyOnWriteArrayList<>();
        TransferListener dropAt40 = new TransferListener() {
            @Override
            public void progress(String h, String path, long done, long size) {
                if (modesInTransit.isEmpty()) {
                    modesInTransit.add(modeOf(part));
                }
                if (done > size * 4 / 10 && dropped.compareAndSet(false, true)) {
                    modesInTransit.add(modeOf(part));
                    server.dropAllSessions();
                }
            }
        };
        try (SshHost h = SshHost.connect(host, SshOptions.defaults().withUploadAttempts(1))) {
            HostFailureException e = assertThrows(HostFailureException.class,
                    () -> h.upload(local, target.toString(), 0644, dropAt40));
            assertTrue(e.getMessage().startsWith("mina: upload of " + local + " to " + target + " failed"), e.getMessage());
            long partial = Files.size(part);
            assertTrue(partial > 0 && partial < SIZE, "partial " + partial);
            // the server creates files 0644 (umask 022): a private key must not be readable by others in transit
            assertEquals(List.of("rw-------", "rw-------"), modesInTransit, "part file mode during the upload");
            assertEquals("rw-------", modeOf(part), "part file mode after the dropped connection");
            assertFalse(Files.exists(target), "nothing half-written at the target");

            AtomicLong resumedAt = new AtomicLong(-1);
            UploadResult r = h.upload(local, target.toString(), 0644, new TransferListener() {
                @Override
                public void started(String hn, String path, long size, long offset) {
                    resumedAt.set(offset);
                }
            });
            assertEquals(partial, resumedAt.get());
            assertEquals(SIZE - partial, r.bytesSent());
            assertTrue(r.bytesSent() < SIZE);
            assertEquals(sha256(local), sha256(target));
            assertFalse(Files.exists(part));
        }
    }

    static String modeOf(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (IOException e) {
            return "missing: " + e;
        }
    }

    @Test
    void aStaleWorldReadablePartIsRestrictedBeforeTheResume() throws Exception {
        Path target = remoteDir.resolve("payload.bin");
        Path part = Path.of(Uploader.partPath(target.toString()));
        Files.createDirectories(remoteDir);
        try (var in = Files.newInputStream(local); var out = Files.newOutputStream(part)) {
            out.write(in.readNBytes(SIZE / 4));
        }
        Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> modes = new CopyOnWriteArrayList<>();
        AtomicLong resumedAt = new AtomicLong(-1);
        try (SshHost h = SshHost.connect(host)) {
            h.upload(local, target.toString(), 0600, new TransferListener() {
                @Override
                public void started(String hn, String path, long size, long offset) {
                    resumedAt.set(offset);
                }

                @Override
                public void progress(String hn, String path, long done, long size) {
                    if (modes.isEmpty()) {
                        modes.add(modeOf(part));
                    }
                }
            });
        }
        assertEquals(SIZE / 4, resumedAt.get());
        assertEquals(List.of("rw-------"), modes);
        assertEquals(sha256(local), sha256(target));
        assertEquals("rw-------", modeOf(target));
    }

    @Test
    void retriesByItselfAndResumes() throws Exception {
        Path target = remoteDir.resolve("auto.bin");
        AtomicBoolean dropped = new AtomicBoolean();
        AtomicLong resumedAt = new AtomicLong(-1);
        TransferListener l = new TransferListener() {
            @Override
            public void started(String h, String path, long size, long offset) {
                if (dropped.get()) {
                    resumedAt.set(offset);
                }
            }

            @Override
            public void progress(String h, String path, long done, long size) {
                if (done > size / 2 && dropped.compareAndSet(false, true)) {
                    server.dropAllSessions();
                }
            }
        };
        try (SshHost h = SshHost.connect(host)) {
            UploadResult r = h.upload(local, target.toString(), 0600, l);
            assertTrue(dropped.get());
            assertTrue(resumedAt.get() > 0, "resumed at " + resumedAt.get());
            assertEquals(sha256(local), sha256(target));
            assertEquals(sha256(local), r.sha256());
        }
    }

    @Test
    void aCorruptPartialFileIsReplaced() throws Exception {
        Path target = remoteDir.resolve("c.bin");
        Files.createDirectories(remoteDir);
        writeRandom(Path.of(Uploader.partPath(target.toString())), SIZE / 3, 99);
        try (SshHost h = SshHost.connect(host)) {
            UploadResult r = h.upload(local, target.toString(), 0644);
            assertEquals(SIZE, r.bytesSent(), "started from zero");
            assertEquals(sha256(local), sha256(target));
        }
    }

    @Test
    void concurrentUploadsOfOneFileTakeTurns() throws Exception {
        Path target = remoteDir.resolve("same.bin");
        try (SshHost h = SshHost.connect(host)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                java.util.List<java.util.concurrent.Future<UploadResult>> fs = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    fs.add(pool.submit(() -> h.upload(local, target.toString(), 0644)));
                }
                int sent = 0;
                for (var f : fs) {
                    sent += f.get().skipped() ? 0 : 1;
                }
                assertEquals(1, sent, "sent once, then found in place");
            } finally {
                pool.shutdownNow();
            }
        }
        assertEquals(sha256(local), sha256(target));
    }

    @Test
    void putWritesGeneratedContent() throws Exception {
        Path target = remoteDir.resolve("etc/kube/conf.yaml");
        byte[] content = "apiVersion: v1\nkind: Config\n".getBytes();
        try (SshHost h = SshHost.connect(host)) {
            UploadResult r = h.put(content, target.toString(), 0600);
            assertEquals(content.length, r.bytesSent());
            assertArrayEquals(content, Files.readAllBytes(target));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
            assertTrue(h.put(content, target.toString(), 0600).skipped());
            // empty content is a valid file too
            Path empty = remoteDir.resolve("empty");
            assertEquals(0, h.put(new byte[0], empty.toString(), 0644).size());
            assertEquals(0, Files.size(empty));
        }
    }

    @Test
    void pathsWithShellMetacharactersAreTakenLiterally() throws Exception {
        Path weird = remoteDir.resolve("we ird;touch pwned$(id)'x*?\\[a]");
        try (SshHost h = SshHost.connect(host)) {
            h.put("x".getBytes(), weird.toString(), 0644);
        }
        assertEquals("x", Files.readString(weird));
        assertFalse(Files.exists(Path.of("pwned")));
    }

    @Test
    void badPathsAreRefused() {
        try (SshHost h = SshHost.connect(host)) {
            assertThrows(BadInputException.class, () -> h.put(new byte[1], "relative/path", 0644));
            assertThrows(BadInputException.class, () -> h.put(new byte[1], "/etc/", 0644));
            assertThrows(BadInputException.class, () -> h.upload(dir.resolve("missing"), "/tmp/x", 0644));
            Files.createDirectories(remoteDir.resolve("isdir"));
            HostFailureException e = assertThrows(HostFailureException.class,
                    () -> h.put(new byte[1], remoteDir.resolve("isdir").toString(), 0644));
            assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
