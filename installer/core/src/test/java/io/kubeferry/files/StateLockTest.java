package io.kubeferry.files;

import io.kubeferry.errors.UnexpectedStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateLockTest {
    @TempDir
    Path dir;

    private Path state() {
        return dir.resolve(".kubeferry/prod");
    }

    @Test
    void aSecondCommandInThisProcessIsRefusedNamingTheHolder() {
        StateDirectory sd = StateDirectory.open(state());
        try (StateLock held = sd.lock("certs generate", false)) {
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class, () -> sd.lock("render", false));
            assertTrue(e.getMessage().startsWith("another kubeferry command (pid " + ProcessHandle.current().pid()
                    + ", `certs generate`, since 20"), e.getMessage());
            assertTrue(e.getMessage().contains(state() + "; wait for it or run with --wait"), e.getMessage());
            // a second StateDirectory object for the same place shares the lock
            assertThrows(UnexpectedStateException.class, () -> StateDirectory.open(state()).lock("render", false));
            assertTrue(held.held());
        }
        try (StateLock again = sd.lock("render", false)) {
            assertEquals("render", again.command());
        }
    }

    @Test
    void theSameDirectoryReachedThroughALinkIsTheSameLock() throws Exception {
        StateDirectory sd = StateDirectory.open(state());
        Files.createSymbolicLink(dir.resolve("alias"), dir.resolve(".kubeferry"));
        try (StateLock held = sd.lock("certs generate", false)) {
            // not an OverlappingFileLockException (an internal error): refused like any second command
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class,
                    () -> StateDirectory.open(dir.resolve("alias/prod")).lock("render", false));
            assertTrue(e.getMessage().contains("`certs generate`"), e.getMessage());
        }
    }

    @Test
    void waitingTakesTheLockOnceTheHolderIsDone() throws Exception {
        StateDirectory sd = StateDirectory.open(state());
        StateLock first = sd.lock("certs generate", false);
        AtomicReference<String> told = new AtomicReference<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> second = pool.submit(() -> {
                try (StateLock l = sd.lock("render", true, told::set)) {
                    return l.command();
                }
            });
            Thread.sleep(400);
            assertFalse(second.isDone(), "took a lock that is held");
            first.close();
            assertEquals("render", second.get(10, TimeUnit.SECONDS));
            assertTrue(told.get().startsWith("waiting: another kubeferry command (pid "), told.get());
        } finally {
            first.close();
            pool.shutdownNow();
        }
    }

    @Test
    void writesNeedTheLockAndUseUniqueTemporaryFiles() throws Exception {
        StateDirectory sd = StateDirectory.open(state());
        StateLock lock = sd.lock("certs generate", false);
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] content = ("writer " + i + "\n").repeat(2000).getBytes(StandardCharsets.UTF_8);
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < 20; round++) {
                        lock.write(Path.of("pki/ca.key"), content, 0600);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS); // with one shared temporary name these failed or mixed contents
            }
        } finally {
            pool.shutdownNow();
        }
        String content = Files.readString(state().resolve("pki/ca.key"));
        assertTrue(content.matches("(writer \\d\n){2000}") && content.chars().filter(c -> c == '\n').count() == 2000
                && content.lines().distinct().count() == 1, "a mix of writers");
        assertEquals("rw-------", StateDirectoryTest.mode(state().resolve("pki/ca.key")));
        try (Stream<Path> s = Files.list(state().resolve("pki"))) {
            assertEquals(List.of("ca.key"), s.map(p -> p.getFileName().toString()).toList(), "temporary files left");
        }
        lock.close();
        assertThrows(IllegalStateException.class, () -> lock.write(Path.of("pki/x"), new byte[1], 0600));
        assertThrows(IllegalStateException.class, () -> lock.requireFor(state()));
    }

    @Test
    void aFullDiskIsUnexpectedStateNamingTheFile() throws Exception {
        StateDirectoryTest.assumeRoot();
        Path small = Files.createDirectories(dir.resolve("small"));
        StateDirectoryTest.run("mount", "-t", "tmpfs", "-o", "size=64k,mode=700", "tmpfs", small.toString());
        try (StateLock lock = StateDirectory.open(small.resolve(".kubeferry/prod")).lock("certs generate", false)) {
            Path file = small.resolve(".kubeferry/prod/pki/big.key");
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class,
                    () -> lock.write(Path.of("pki/big.key"), new byte[1 << 20], 0600));
            assertTrue(e.getMessage().startsWith(file + ": cannot write: No space left on device; free some space"),
                    e.getMessage());
            try (Stream<Path> s = Files.list(file.getParent())) {
                assertEquals(List.of(), s.toList(), "a partial or temporary file was left");
            }
        } finally {
            StateDirectoryTest.run("umount", small.toString());
        }
    }

    @Test
    void anotherProcessHoldingTheLockIsNamedAndItsDeathReleasesIt() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolderMain.class.getName(), state().toString(), "certs renew").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            StateDirectory sd = StateDirectory.open(state());
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class, () -> sd.lock("certs generate", false));
            assertTrue(e.getMessage().startsWith("another kubeferry command (pid " + holder.pid() + ", `certs renew`, since "),
                    e.getMessage());
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // killed, not closed: the kernel releases it
            try (StateLock l = sd.lock("certs generate", false)) {
                assertTrue(l.held());
            }
        } finally {
            holder.destroyForcibly();
        }
    }
}
