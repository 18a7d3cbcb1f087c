package io.kubeferry.ssh;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Secret;
import io.kubeferry.inventory.SshSettings;
import io.kubeferry.inventory.SshSettings.HostKeyPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SshHost against a real in-process SSH server (Apache MINA SSHD) on loopback. */
class SshHostMinaTest {
    @TempDir
    Path dir;
    MinaServer server;
    Path knownHosts;
    Path key;
    Path encryptedKey;

    @BeforeEach
    void start() throws Exception {
        key = dir.resolve("id_ecdsa");
        encryptedKey = dir.resolve("id_ecdsa_enc");
        keygen(key, "");
        keygen(encryptedKey, "open sesame");
        Path authorized = dir.resolve("authorized_keys");
        Files.writeString(authorized, Files.readString(Path.of(key + ".pub")) + Files.readString(Path.of(encryptedKey + ".pub")));
        server = MinaServer.start(authorized, Set.of("publickey", "password"));
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, server.knownHostsLine() + "\n");
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    static void keygen(Path file, String passphrase) throws Exception {
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", passphrase, "-C", "test",
                "-f", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    private Host keyHost(Path k, Secret passphrase) {
        return MinaServer.host("mina", MinaServer.settings(server.port(), null, k, passphrase, null, knownHosts,
                HostKeyPolicy.STRICT, null));
    }

    private Host passwordHost(String password) {
        return MinaServer.host("mina", MinaServer.settings(server.port(), Secret.of(password, "test"), null, null, null,
                knownHosts, HostKeyPolicy.STRICT, null));
    }

    @Test
    void keyAuthRunsCommandsWithExitCodeStdoutAndStderr() {
        try (SshHost h = SshHost.connect(keyHost(key, null))) {
            ExecResult r = h.exec("echo out; echo err >&2; exit 3");
            assertEquals(3, r.exitCode());
            assertEquals("out\n", r.stdout());
            assertEquals("err\n", r.stderr());
            assertTrue(h.exec("true").ok());
            assertEquals(server.fingerprint(), h.hostKeyFingerprint());
        }
    }

    @Test
    void encryptedKeyWithPassphrase() {
        try (SshHost h = SshHost.connect(keyHost(encryptedKey, Secret.of("open sesame", "test")))) {
            assertEquals("hi\n", h.exec("echo hi").stdout());
        }
    }

    @Test
    void wrongPassphraseIsBadInputWithoutTheSecret() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> SshHost.connect(keyHost(encryptedKey, Secret.of("not it", "test"))));
        assertTrue(e.getMessage().contains("passphrase does not decrypt"), e.getMessage());
        assertFalse(e.getMessage().contains("not it"));
        BadInputException missing = assertThrows(BadInputException.class, () -> SshHost.connect(keyHost(encryptedKey, null)));
        assertTrue(missing.getMessage().contains("no ssh.passphrase"), missing.getMessage());
    }

    @Test
    void aLocalPortIsForwardedThroughTheConnectionToATargetSeenFromTheHost() throws Exception {
        try (java.net.ServerSocket target = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
             SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            Thread echo = new Thread(() -> {
                try (java.net.Socket c = target.accept()) {
                    c.getOutputStream().write(("echo:" + new String(c.getInputStream().readNBytes(5), java.nio.charset.StandardCharsets.UTF_8))
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } catch (java.io.IOException ignored) {
                    // the assertion below fails instead
                }
            });
            echo.start();
            int local = h.forwardLocalPort("127.0.0.1", target.getLocalPort());
            assertTrue(local > 0 && local != target.getLocalPort(), "local port " + local);
            try (java.net.Socket c = new java.net.Socket("127.0.0.1", local)) {
                c.getOutputStream().write("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                c.getOutputStream().flush();
                assertEquals("echo:hello", new String(c.getInputStream().readNBytes(10), java.nio.charset.StandardCharsets.UTF_8));
            }
            echo.join(5000);
            assertTrue(server.forwardedTo.contains("127.0.0.1:" + target.getLocalPort()), server.forwardedTo.toString());
        }
    }

    @Test
    void passwordAuth() {
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            assertEquals("root\n", h.exec("echo $(id -un)").stdout());
        }
    }

    @Test
    void keyboardInteractiveAuth() throws Exception {
        try (MinaServer ki = MinaServer.start(null, Set.of("keyboard-interactive"))) {
            Files.writeString(knownHosts, ki.knownHostsLine() + "\n");
            Host h = MinaServer.host("ki", MinaServer.settings(ki.port(), Secret.of(MinaServer.PASSWORD, "test"), null,
                    null, null, knownHosts, HostKeyPolicy.STRICT, null));
            try (SshHost s = SshHost.connect(h)) {
                assertEquals(0, s.exec("true").exitCode());
            }
        }
    }

    @Test
    void wrongPasswordIsAClearHostFailureWithoutTheSecret() {
        long t0 = System.nanoTime();
        HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(passwordHost("hunter2")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("mina", e.host());
        assertEquals("mina: authentication refused by root@127.0.0.1:" + server.port()
                + "; check ssh.user, ssh.password / ssh.privateKeyFile", e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        assertTrue(ms < 5000, "took " + ms + " ms, timeout is 5 s");
    }

    @Test
    void aServerThatNeverAnswersTheLoginIsATimeoutDuringAuthentication() {
        // the authenticator never decides: the server shows its key, then leaves the login unanswered
        server.sshd.setPasswordAuthenticator((user, pw, session) -> {
            throw new org.apache.sshd.server.auth.AsyncAuthException();
        });
        Host h = MinaServer.host("slow", new SshSettings("root", server.port(), Secret.of("hunter2", "test"), null,
                null, SshSettings.Sudo.NONE, null, null, null, knownHosts, HostKeyPolicy.STRICT, Duration.ofSeconds(2)));
        long t0 = System.nanoTime();
        HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(h));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().startsWith("slow: timed out after 2.0s during authentication to root@127.0.0.1:"
                + server.port() + ": the server showed its host key, then did not answer the login"), e.getMessage());
        assertFalse(e.getMessage().contains("refused"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        assertTrue(ms >= 1900 && ms < 4000, "took " + ms + " ms");
    }

    @Test
    void aServerThatDropsTheConnectionDuringTheLoginSaysSo() {
        server.sshd.setPasswordAuthenticator((user, pw, session) -> {
            session.close(true);
            return false;
        });
        Host h = passwordHost("hunter2");
        long t0 = System.nanoTime();
        HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(h));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().startsWith("mina: connection closed by root@127.0.0.1:" + server.port()
                + " during authentication, before it accepted or refused the credentials ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("); see the server's sshd log (MaxStartups, AllowUsers/DenyUsers, PAM"
                + " account rules)"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        assertTrue(ms < 3000, "took " + ms + " ms: a dropped connection is not a timeout");
    }

    @Test
    void closedPortIsConnectionRefusedQuickly() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Host h = MinaServer.host("gone", MinaServer.settings(port, Secret.of("x", "test"), null, null, null, knownHosts,
                HostKeyPolicy.STRICT, null));
        long t0 = System.nanoTime();
        HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(h));
        assertTrue(e.getMessage().contains("gone: cannot connect to root@127.0.0.1:" + port + ": connection refused"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }

    @Test
    void silentServerTimesOutWithinTheConfiguredTimeout() throws IOException {
        // accepts TCP but never speaks SSH
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Host h = MinaServer.host("mute", new SshSettings("root", silent.getLocalPort(), Secret.of("x", "test"), null,
                    null, SshSettings.Sudo.NONE, null, null, null, knownHosts, HostKeyPolicy.STRICT, Duration.ofSeconds(2)));
            long t0 = System.nanoTime();
            HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(h));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("timed out after 2.0s"), e.getMessage());
            assertTrue(ms >= 1900 && ms < 3500, "took " + ms + " ms");
        }
    }

    @Test
    void valuesFromHostsAreQuotedAndRunNothing() throws IOException {
        Path pwned = dir.resolve("pwned");
        String evil = "a;touch " + pwned + " $(touch " + pwned + ") `touch " + pwned + "` 'x\" && touch " + pwned;
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            ExecResult r = h.exec(Shell.command("echo", evil));
            assertEquals(evil + "\n", r.stdout());
            ExecResult r2 = h.exec("printf '%s\\n' " + Shell.quote(evil) + " | wc -l");
            assertEquals("1", r2.stdout().strip());
        }
        assertFalse(Files.exists(pwned));
    }

    @Test
    void commandsSeeAPosixShellAndAnEmptyStdin() {
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            assertEquals("it's \"quoted\"\n", h.exec("echo \"it's \\\"quoted\\\"\"").stdout());
            // a command that reads stdin gets EOF instead of hanging
            ExecResult r = h.exec("cat; echo done", Duration.ofSeconds(10));
            assertEquals("done\n", r.stdout());
        }
    }

    @Test
    void timeoutStopsALongCommand() {
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            long t0 = System.nanoTime();
            HostFailureException e = assertThrows(HostFailureException.class,
                    () -> h.exec("sleep 30", Duration.ofMillis(800)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("timed out after 0.8s: sleep 30"), e.getMessage());
            assertTrue(ms < 3000, "took " + ms);
            assertTrue(h.exec("true").ok(), "the connection is still usable");
        }
    }

    @Test
    void aTimedOutScriptIsNamedByItsFirstLineOnly() {
        String script = "sleep 30 # the first line of a script that goes on\n" + "echo a later line\n".repeat(16);
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            HostFailureException e = assertThrows(HostFailureException.class, () -> h.exec(script, Duration.ofMillis(500)));
            assertEquals("mina: command timed out after 0.5s: sleep 30 # the first line of a script that goes on\u2026",
                    e.getMessage());
            assertEquals("command timed out after 0.5s: sleep 30 # the first line of a script that goes on\u2026",
                    e.reason());
        }
    }

    @Test
    void commandsInMessagesAreTheirFirstLineShortened() {
        assertEquals("id -u", SshHost.brief("id -u"));
        assertEquals("set -e\u2026", SshHost.brief("\n  set -e\nuname -r\n"));
        String longLine = "x".repeat(61);
        assertEquals("x".repeat(60) + "\u2026", SshHost.brief(longLine));
        assertEquals("x".repeat(60), SshHost.brief("x".repeat(60)));
    }

    @Test
    void aTimedOutCommandDoesNotLingerOnTheHost() throws Exception {
        String marker = "sleep 47.25";
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            assertThrows(HostFailureException.class, () -> h.exec(marker + " & " + marker + "; wait", Duration.ofMillis(500)));
            // the remote backstop (timeout -s KILL, 1 s + 5 s) kills the command and its children
            long deadline = System.currentTimeMillis() + 12_000;
            while (System.currentTimeMillis() < deadline && !h.exec("pgrep -f '^" + marker + "' || true").stdout().isBlank()) {
                Thread.sleep(250);
            }
            assertEquals("", h.exec("pgrep -f '^" + marker + "' || true").stdout());
        }
    }

    @Test
    void manyChannelsInParallelOverOneConnection() throws Exception {
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<ExecResult>> fs = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int i = 0; i < 32; i++) {
                    int n = i;
                    fs.add(pool.submit(() -> h.exec("sleep 0.3; echo " + n)));
                }
                for (int i = 0; i < 32; i++) {
                    assertEquals(i + "\n", fs.get(i).get().stdout());
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                // 32 x 0.3 s run 8 at a time: ~1.2 s, far from 9.6 s sequentially
                assertTrue(ms < 6000, "took " + ms);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, server.activeSessions());
        }
    }

    @Test
    void reconnectsAfterTheConnectionDied() {
        try (SshHost h = SshHost.connect(passwordHost(MinaServer.PASSWORD))) {
            server.dropAllSessions();
            long deadline = System.currentTimeMillis() + 5000;
            while (h.isConnected() && System.currentTimeMillis() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals("again\n", h.exec("echo again").stdout());
        }
    }

    // ---- host keys ----

    @Test
    void unknownHostIsRefusedByDefault() throws IOException {
        Files.writeString(knownHosts, "");
        HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(passwordHost(MinaServer.PASSWORD)));
        assertTrue(e.getMessage().contains("is not known"), e.getMessage());
        assertTrue(e.getMessage().contains(server.fingerprint()), e.getMessage());
        assertTrue(e.getMessage().contains("accept-new"), e.getMessage());
    }

    @Test
    void acceptNewRecordsTheKeyThenStrictAcceptsIt() throws IOException {
        Path fresh = dir.resolve("sub/known_hosts");
        Host h = MinaServer.host("mina", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, null, fresh, HostKeyPolicy.ACCEPT_NEW, null));
        try (SshHost s = SshHost.connect(h)) {
            assertTrue(s.exec("true").ok());
        }
        String recorded = Files.readString(fresh);
        assertTrue(recorded.startsWith("[127.0.0.1]:" + server.port() + " ecdsa-sha2-nistp256 "), recorded);
        Host strict = MinaServer.host("mina", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, null, fresh, HostKeyPolicy.STRICT, null));
        try (SshHost s = SshHost.connect(strict)) {
            assertTrue(s.exec("true").ok());
        }
        try (SshHost s = SshHost.connect(h)) {
            assertTrue(s.exec("true").ok());
        }
        assertEquals(1, Files.readAllLines(fresh).size(), "recorded once");

        // a file whose last line has no newline gets ours on a line of its own
        Path noNewline = dir.resolve("kh2");
        Files.writeString(noNewline, "example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
        Host h2 = MinaServer.host("mina", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, null, noNewline, HostKeyPolicy.ACCEPT_NEW, null));
        try (SshHost s = SshHost.connect(h2)) {
            assertTrue(s.exec("true").ok());
        }
        List<String> lines = Files.readAllLines(noNewline);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).startsWith("[127.0.0.1]:" + server.port() + " "), lines.toString());
    }

    @Test
    void changedHostKeyIsRefusedNamingBothFingerprints() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        try (MinaServer impostor = MinaServer.start(null, Set.of("password"), g.generateKeyPair())) {
            // known_hosts says the key at this address is the original server's
            Files.writeString(knownHosts, "[127.0.0.1]:" + impostor.port() + " "
                    + org.apache.sshd.common.config.keys.PublicKeyEntry.toString(server.hostKey.getPublic()) + "\n");
            Host h = MinaServer.host("node1", MinaServer.settings(impostor.port(), Secret.of(MinaServer.PASSWORD, "t"),
                    null, null, null, knownHosts, HostKeyPolicy.ACCEPT_NEW, null));
            UnexpectedStateException e = assertThrows(UnexpectedStateException.class, () -> SshHost.connect(h));
            String m = e.getMessage();
            assertTrue(m.contains("node1: HOST KEY CHANGED for root@127.0.0.1:" + impostor.port()), m);
            assertTrue(m.contains("expected " + server.fingerprint()), m);
            assertTrue(m.contains(impostor.fingerprint()), m);
            assertTrue(m.contains("ssh-keygen -R"), m);
            assertEquals(0, impostor.activeSessions() > 0 ? countAuthenticated(impostor) : 0);
        }
    }

    private static int countAuthenticated(MinaServer s) {
        return (int) s.sshd.getActiveSessions().stream().filter(x -> x.isAuthenticated()).count();
    }

    @Test
    void pinnedFingerprintOverridesKnownHosts() throws IOException {
        Files.writeString(knownHosts, "");
        Host pinned = MinaServer.host("mina", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, server.fingerprint(), knownHosts, HostKeyPolicy.STRICT, null));
        try (SshHost s = SshHost.connect(pinned)) {
            assertTrue(s.exec("true").ok());
        }
        Host wrong = MinaServer.host("mina", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", knownHosts, HostKeyPolicy.ACCEPT_NEW, null));
        UnexpectedStateException e = assertThrows(UnexpectedStateException.class, () -> SshHost.connect(wrong));
        assertTrue(e.getMessage().contains("pinned in ssh.hostKeyFingerprint"), e.getMessage());
        assertTrue(e.getMessage().contains(server.fingerprint()), e.getMessage());
        assertEquals("", Files.readString(knownHosts), "a pinned host is never recorded");
    }

    // ---- bastion ----

    @Test
    void reachesAHostThroughABastion() throws Exception {
        try (MinaServer target = MinaServer.start(null, Set.of("password"))) {
            Files.writeString(knownHosts, server.knownHostsLine() + "\n" + target.knownHostsLine() + "\n");
            SshSettings.Bastion bastion = new SshSettings.Bastion("127.0.0.1", server.port(), "root",
                    Secret.of(MinaServer.PASSWORD, "t"), null, null, null);
            Host h = MinaServer.host("behind", MinaServer.settings(target.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                    null, null, knownHosts, HostKeyPolicy.STRICT, bastion));
            try (SshHost s = SshHost.connect(h)) {
                assertEquals("via\n", s.exec("echo via").stdout());
            }
            assertEquals(List.of("127.0.0.1:" + target.port()), server.forwardedTo);
        }
    }

    @Test
    void bastionFailureNamesTheBastion() throws Exception {
        SshSettings.Bastion bastion = new SshSettings.Bastion("127.0.0.1", server.port(), "root",
                Secret.of("wrong", "t"), null, null, null);
        Host h = MinaServer.host("behind", MinaServer.settings(22, Secret.of(MinaServer.PASSWORD, "t"), null,
                null, null, knownHosts, HostKeyPolicy.STRICT, bastion));
        HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(h));
        assertTrue(e.getMessage().contains("behind: authentication refused by root@127.0.0.1:" + server.port()
                + "; check ssh.bastion.user"), e.getMessage());
    }

    @Test
    void hostsBehindADeadBastionShareOneAttemptAndOneTimeout() throws Exception {
        // a bastion that accepts TCP but never speaks SSH: each attempt costs the full connect timeout
        Duration timeout = Duration.ofSeconds(1);
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket dead = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(dead.accept());
                        attempts.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "dead-bastion");
            acceptor.setDaemon(true);
            acceptor.start();
            SshSettings.Bastion bastion = new SshSettings.Bastion("127.0.0.1", dead.getLocalPort(), "root",
                    Secret.of(MinaServer.PASSWORD, "t"), null, null, null);
            List<Host> hosts = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                hosts.add(MinaServer.host("behind" + i, new SshSettings("root", server.port(),
                        Secret.of(MinaServer.PASSWORD, "t"), null, null, SshSettings.Sudo.NONE, null, bastion, null,
                        knownHosts, HostKeyPolicy.STRICT, timeout)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(hosts.size());
            try (SshConnector c = new SshConnector()) {
                long t0 = System.nanoTime();
                Map<String, Future<SshHost>> out = ParallelConnect.start(c, pool, hosts);
                Map<String, RuntimeException> failures = new java.util.LinkedHashMap<>();
                for (Map.Entry<String, Future<SshHost>> o : out.entrySet()) {
                    failures.put(o.getKey(), ParallelConnect.failureOf(o.getKey(), o.getValue()));
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(10, failures.size());
                for (int i = 1; i <= 10; i++) {
                    RuntimeException e = failures.get("behind" + i);
                    assertEquals("behind" + i, assertInstanceOf(HostFailureException.class, e).host());
                    assertTrue(e.getMessage().startsWith("behind" + i + ": cannot connect to root@127.0.0.1:"
                            + dead.getLocalPort() + ": timed out after 1.0s"), e.getMessage());
                }
                assertEquals(1, attempts.get(), "connections to the bastion");
                // one shared timeout (1 s), not ten in a row
                assertTrue(ms < 3 * timeout.toMillis(), "10 hosts behind a dead bastion took " + ms + " ms");

                // the failure is remembered for the run: a later host fails at once, without a new attempt
                long t1 = System.nanoTime();
                HostFailureException later = assertThrows(HostFailureException.class, () -> c.connect(hosts.get(0)));
                assertTrue(later.getMessage().contains("timed out after 1.0s"), later.getMessage());
                assertTrue(System.nanoTime() - t1 < 500_000_000L, "remembered failure is immediate");
                assertEquals(1, attempts.get(), "connections to the bastion");
            } finally {
                pool.shutdownNow();
            }
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    // ---- many hosts ----

    @Test
    void connectingManyHostsInParallelNamesEveryFailedHost() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<Host> hosts = List.of(
                MinaServer.host("good1", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null, null,
                        null, knownHosts, HostKeyPolicy.STRICT, null)),
                MinaServer.host("badpw", MinaServer.settings(server.port(), Secret.of("nope", "t"), null, null,
                        null, knownHosts, HostKeyPolicy.STRICT, null)),
                MinaServer.host("down", MinaServer.settings(closed, Secret.of(MinaServer.PASSWORD, "t"), null, null,
                        null, knownHosts, HostKeyPolicy.STRICT, null)),
                MinaServer.host("good2", MinaServer.settings(server.port(), null, key, null,
                        null, knownHosts, HostKeyPolicy.STRICT, null)));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (SshConnector c = new SshConnector()) {
            long t0 = System.nanoTime();
            Map<String, Future<SshHost>> out = ParallelConnect.start(c, pool, hosts);
            try {
                // one host's failure stops no other: each host has its own outcome, the failures name their host
                RuntimeException badpw = ParallelConnect.failureOf("badpw", out.get("badpw"));
                assertEquals("badpw", assertInstanceOf(HostFailureException.class, badpw).host());
                assertTrue(badpw.getMessage().startsWith("badpw: authentication refused"), badpw.getMessage());
                assertFalse(badpw.getMessage().contains("nope"), badpw.getMessage());
                RuntimeException down = ParallelConnect.failureOf("down", out.get("down"));
                assertEquals("down", assertInstanceOf(HostFailureException.class, down).host());
                assertTrue(down.getMessage().startsWith("down: cannot connect to root@127.0.0.1:" + closed
                        + ": connection refused"), down.getMessage());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                // both failures arrive within the connect timeout: neither waits for it to run out
                assertTrue(ms < hosts.get(0).ssh().connectTimeout().toMillis(), "failures took " + ms + " ms");
                SshHost good1 = out.get("good1").get();
                SshHost good2 = out.get("good2").get();
                // the connected hosts work in parallel too
                Future<String> echo1 = pool.submit(() -> good1.exec("echo " + Shell.quote(good1.name())).stdout());
                Future<String> echo2 = pool.submit(() -> good2.exec("echo " + Shell.quote(good2.name())).stdout());
                assertEquals("good1\n", echo1.get());
                assertEquals("good2\n", echo2.get());
            } finally {
                ParallelConnect.closeConnected(out.values());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
