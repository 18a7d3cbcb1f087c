package io.kubeferry.pki;

import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.Inventory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8's "done when": four {@code certs generate} at once on one inventory, fifteen times. Before the lock,
 * runs exited 0 leaving leaves not signed by the CA on disk, died with exit 4, or reported a false "ca.key does
 * not belong to ca.crt". Now one proceeds, the others are refused naming it (exit 3) or wait, and the PKI on
 * disk is whole: every leaf verifies against its CA with openssl and a further generate keeps everything.
 */
class ConcurrentGenerateTest {
    private static final int COMMANDS = 4;
    private static final int ROUNDS = 15;

    @TempDir
    Path dir;

    private record Outcome(int exitCode, String output) {
    }

    @Test
    void fourProcessesAtOnceOneProceedsTheOthersAreRefusedAndThePkiVerifies() throws Exception {
        Path inventoryDir = null;
        int proceeded = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // mostly a fresh inventory (all four race to create the CAs), every third round the last one again
            if (round % 3 != 2) {
                inventoryDir = Files.createDirectories(dir.resolve("round" + round));
            }
            boolean wait = round == ROUNDS - 1;
            List<Outcome> outcomes = runAtOnce(inventoryDir, wait);
            long ok = outcomes.stream().filter(o -> o.exitCode() == 0).count();
            proceeded += ok;
            refused += outcomes.stream().filter(o -> o.exitCode() == 3).count();
            for (Outcome o : outcomes) {
                assertTrue(o.exitCode() == 0 || (!wait && o.exitCode() == 3), "round " + round + ": " + o);
                if (o.exitCode() == 3) {
                    assertTrue(o.output().startsWith("another kubeferry command (pid ")
                            && o.output().contains("`certs generate`, since ")
                            && o.output().contains("wait for it or run with --wait"), o.output());
                }
            }
            assertTrue(ok >= 1, "round " + round + ": nobody proceeded " + outcomes);
            if (wait) {
                assertEquals(COMMANDS, ok, "with --wait every command runs, one after the other: " + outcomes);
            }
            assertWhole(GenerateMain.inventory(inventoryDir));
        }
        System.out.println("processes: " + proceeded + " generate runs proceeded, " + refused + " were refused, in "
                + ROUNDS + " rounds of " + COMMANDS);
        assertTrue(refused > 0, "the commands never overlapped: the lock was not exercised");
        // made under `umask 000`: still private
        Path state = GenerateMain.inventory(inventoryDir).stateDir();
        for (Path d : List.of(state.getParent(), state, state.resolve("pki"), state.resolve("pki/hosts"),
                state.resolve("pki/hosts/cp1/etcd"))) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), d.toString());
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("lock"))));
    }

    @Test
    void fourThreadsAtOnceOneProceedsTheOthersAreRefused() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(COMMANDS);
        int refused = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Inventory inv = GenerateMain.inventory(Files.createDirectories(dir.resolve("threads" + round)));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> futures = new ArrayList<>();
                for (int i = 0; i < COMMANDS; i++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        try {
                            new PkiService().generate(inv);
                            return true;
                        } catch (UnexpectedStateException e) {
                            assertTrue(e.getMessage().startsWith("another kubeferry command (pid "
                                    + ProcessHandle.current().pid() + ", `certs generate`"), e.getMessage());
                            return false;
                        }
                    }));
                }
                start.countDown();
                int ok = 0;
                for (Future<Boolean> f : futures) {
                    ok += f.get(120, TimeUnit.SECONDS) ? 1 : 0; // anything else (exit 4 material) fails here
                }
                assertTrue(ok >= 1, "round " + round + ": nobody proceeded");
                refused += COMMANDS - ok;
                assertWhole(inv);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("threads: " + refused + " of " + ROUNDS * COMMANDS + " generate calls were refused");
        assertTrue(refused > 0, "the calls never overlapped: the lock was not exercised");
    }

    /** Four JVMs started together, each under `umask 000`, running {@link GenerateMain}. */
    private static List<Outcome> runAtOnce(Path inventoryDir, boolean wait) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "umask 000; exec \"$0\" -XX:TieredStopAtLevel=1 -cp \"$1\" " + GenerateMain.class.getName()
                + " \"$2\" \"$3\"" + (wait ? " --wait" : "");
        Path go = inventoryDir.resolve("go-" + System.nanoTime());
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < COMMANDS; i++) {
                processes.add(new ProcessBuilder("sh", "-c", command, java, System.getProperty("java.class.path"),
                        inventoryDir.toString(), go.toString()).redirectErrorStream(true).start());
            }
            for (Process p : processes) {
                String first = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8)).readLine();
                assertEquals("ready", first);
            }
            Files.createFile(go);
        } catch (Throwable t) {
            processes.forEach(Process::destroyForcibly);
            throw t;
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Process p : processes) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("generate did not finish: " + out);
            }
            outcomes.add(new Outcome(p.exitValue(), out.strip()));
        }
        return outcomes;
    }

    /** Every key belongs to its certificate, every leaf verifies against its CA, and nothing needs regenerating. */
    static void assertWhole(Inventory inv) throws IOException {
        Path pki = inv.stateDir().resolve("pki");
        for (CaKind kind : CaKind.values()) {
            PrivateKey key = Pem.readPrivateKey(Files.readAllBytes(pki.resolve(kind.baseName() + ".key")));
            assertTrue(Keys.matches(key, CertFacts.of(Pem.readCertificate(Files.readAllBytes(
                    pki.resolve(kind.baseName() + ".crt")))).publicKey()), kind + " key and certificate differ");
        }
        List<String> etcd = new ArrayList<>();
        List<String> frontProxy = new ArrayList<>();
        List<String> kubernetes = new ArrayList<>();
        try (Stream<Path> s = Files.walk(pki)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".crt")).toList()) {
                String rel = pki.relativize(p).toString();
                if (rel.endsWith("ca.crt")) {
                    continue;
                }
                // etcd/*, hosts/*/etcd/* and apiserver-etcd-client are signed by the etcd CA
                (rel.contains("etcd") ? etcd : rel.contains("front-proxy") ? frontProxy : kubernetes).add(p.toString());
            }
        }
        verify(pki.resolve("etcd/ca.crt"), etcd);
        verify(pki.resolve("front-proxy-ca.crt"), frontProxy);
        verify(pki.resolve("ca.crt"), kubernetes);
        // 3 control planes, each: apiserver, etcd server and peer, and the four client certificates
        assertEquals(List.of(12, 3, 6), List.of(etcd.size(), frontProxy.size(), kubernetes.size()),
                "leaves: " + etcd + frontProxy + kubernetes);
        PkiReport again = new PkiService().generate(inv);
        assertFalse(again.changedAnything(), "a complete PKI needs nothing: " + again.entries());
        try (Stream<Path> s = Files.walk(inv.stateDir())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "temporary files left");
        }
    }

    private static void verify(Path ca, List<String> leaves) {
        List<String> command = new ArrayList<>(List.of("openssl", "verify", "-CAfile", ca.toString()));
        command.addAll(leaves);
        Cmd.Result r = Cmd.run(command.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals(leaves.size(), r.stdout().lines().filter(l -> l.endsWith(": OK")).count(), r.stdout());
    }
}
