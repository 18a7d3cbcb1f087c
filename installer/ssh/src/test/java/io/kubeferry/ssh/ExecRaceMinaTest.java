package io.kubeferry.ssh;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Secret;
import io.kubeferry.inventory.SshSettings;
import io.kubeferry.inventory.SshSettings.HostKeyPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands that end at once (the server closes the channel while JSch is still starting it) run exactly
 * once and are reported as they ended, never as "cannot start command"; see {@link CloseDuringPumpStart}
 * for the race this is about and how it is made to happen every time.
 */
class ExecRaceMinaTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    CountingCommands commands;
    MinaServer server;
    Path knownHosts;

    @BeforeEach
    void start() throws IOException {
        commands = new CountingCommands();
        server = MinaServer.start(Set.of("password"), commands);
        server.sshd.setPasswordAuthenticator((user, pw, session) -> Set.of("root", "deploy").contains(user)
                && MinaServer.PASSWORD.equals(pw));
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, server.knownHostsLine() + "\n");
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private Host root() {
        return MinaServer.host("race", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null, null,
                null, knownHosts, HostKeyPolicy.STRICT, null));
    }

    private Host sudoUser(String sudoPassword) {
        return MinaServer.host("race", new SshSettings("deploy", server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, SshSettings.Sudo.PASSWORD, Secret.of(sudoPassword, "t"), null, null, knownHosts,
                HostKeyPolicy.STRICT, Duration.ofSeconds(5)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCloseArrivingWhileJSchStartsTheStdinPumpIsSurvived() {
        try (SshHost h = SshHost.connect(root())) {
            CloseDuringPumpStart race = new CloseDuringPumpStart(commands::finishWaiting);
            h.session().setThreadFactory(race);
            for (int i = 1; i <= 20; i++) {
                String cmd = "echo-stdin run-" + i;
                ExecResult r = h.runWire(cmd, cmd, TIMEOUT, bytes("in " + i + "\n"));
                assertEquals(new ExecResult(0, i + ":in " + i + "\n", ""), r);
                assertEquals(1, commands.ran("run-" + i), cmd);
            }
            assertEquals(0, race.pumpThreads.get(), "exec must not make JSch start a stdin pump thread");
        }
    }

    @Test
    void hundredsOfCommandsClosedBeforeConnectReturnsRunOnceEach() throws Exception {
        int n = 400;
        try (SshHost h = SshHost.connect(root())) {
            AtomicInteger jschThreads = new AtomicInteger();
            h.session().setThreadFactory(r -> {
                jschThreads.incrementAndGet();
                return new Thread(r);
            });
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<ExecResult>> results = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String cmd = "quick run-" + i;
                    // half through the sudo-shaped path (stdin given), half through exec (empty stdin, wrapped)
                    results.add(pool.submit(() -> cmd.endsWith("0") || cmd.endsWith("2") || cmd.endsWith("4")
                            || cmd.endsWith("6") || cmd.endsWith("8")
                            ? h.runWire(cmd, cmd, TIMEOUT, bytes("secret line\n"))
                            : h.exec(cmd, TIMEOUT)));
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(new ExecResult(0, "ran " + i + "\n", ""), results.get(i).get(), "run-" + i);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int i = 0; i < n; i++) {
                assertEquals(1, commands.ran("run-" + i), "run-" + i);
            }
            assertEquals(n, commands.totalRuns());
            assertEquals(0, jschThreads.get(), "JSch threads started for execs");
            assertEquals(1, server.activeSessions(), "one connection throughout");
        }
    }

    @Test
    void sudoPasswordGoesThroughStdinAndNeverOnTheCommandLine() {
        commands.sudoPassword = "pw-only-on-stdin";
        // connect runs `id -u` through sudo: the command of the original failure
        try (SshHost h = SshHost.connect(sudoUser("pw-only-on-stdin"))) {
            CloseDuringPumpStart race = new CloseDuringPumpStart(commands::finishWaiting);
            h.session().setThreadFactory(race);
            for (int i = 1; i <= 20; i++) {
                // sudo eats the password line: the command's own stdin is empty
                assertEquals(new ExecResult(0, i + ":", ""), h.exec("echo-stdin run-" + i, TIMEOUT));
                assertEquals(1, commands.ran("run-" + i));
            }
            assertEquals(0, race.pumpThreads.get());
        }
        assertEquals(1, commands.ran("id -u"));
        for (String line : commands.commandLines) {
            assertTrue(line.startsWith("sudo -k -S -p '' -- "), line);
            assertFalse(line.contains("pw-only-on-stdin"), line);
        }
        HostFailureException wrong = assertThrows(HostFailureException.class,
                () -> SshHost.connect(sudoUser("not-the-password")));
        assertTrue(wrong.getMessage().startsWith("race: sudo refused for deploy: Sorry, try again."), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("not-the-password"));
    }

    @Test
    void aCommandIsNotRunAgainWhenTheConnectionDiesWhileItRuns() {
        try (SshHost h = SshHost.connect(root())) {
            h.session().setThreadFactory(new CloseDuringPumpStart(commands::finishWaiting));
            HostFailureException e = assertThrows(HostFailureException.class,
                    () -> h.runWire("drop run-1", "drop run-1", TIMEOUT, bytes("x\n")));
            assertEquals("race: connection lost while running: drop run-1", e.getMessage());
            assertEquals(1, commands.ran("run-1"), "the command ran once, and was not retried");
            // the next command reconnects
            assertEquals("ran 2\n", h.exec("quick run-2", TIMEOUT).stdout());
        }
    }

    @Test
    void aConnectionThatDiedUnnoticedIsReopenedAndTheCommandRunsOnce() {
        // a short connect timeout: when the drop lands while JSch opens the channel, JSch waits for it
        Host h1 = MinaServer.host("race", new SshSettings("root", server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, SshSettings.Sudo.NONE, null, null, null, knownHosts, HostKeyPolicy.STRICT, Duration.ofSeconds(1)));
        try (SshHost h = SshHost.connect(h1)) {
            for (int i = 1; i <= 5; i++) {
                server.dropAllSessions();
                // no wait for the client to notice: the channel cannot be opened, or the session is seen dead
                assertEquals("ran " + i + "\n", h.exec("quick run-" + i, TIMEOUT).stdout());
                assertEquals(1, commands.ran("run-" + i));
            }
        }
    }

    @Test
    void aBastionTunnelStartsNoJSchThreadEither() {
        SshSettings.Bastion bastion = new SshSettings.Bastion("127.0.0.1", server.port(), "root",
                Secret.of(MinaServer.PASSWORD, "t"), null, null, null);
        Host behind = MinaServer.host("behind", MinaServer.settings(server.port(), Secret.of(MinaServer.PASSWORD, "t"), null,
                null, null, knownHosts, HostKeyPolicy.STRICT, bastion));
        try (BastionSessions bastions = new BastionSessions(SshOptions.defaults())) {
            AtomicInteger tunnelThreads = new AtomicInteger();
            bastions.get(Endpoint.bastionOf(behind)).setThreadFactory(r -> {
                tunnelThreads.incrementAndGet();
                return new Thread(r);
            });
            for (int i = 1; i <= 5; i++) {
                try (SshHost h = SshHost.connect(behind, SshOptions.defaults(), bastions, false)) {
                    assertEquals("ran " + i + "\n", h.exec("quick run-" + i, TIMEOUT).stdout());
                }
            }
            assertEquals(0, tunnelThreads.get(), "JSch threads started on the bastion's session for tunnels");
            assertEquals(List.of(), server.forwardedTo.stream().filter(t -> !t.equals("127.0.0.1:" + server.port())).toList());
            assertEquals(5, server.forwardedTo.size());
        }
    }

    @Test
    void onlyAFailureThrownWhileOpeningTheChannelCountsAsNotStarted() {
        StackTraceElement open = new StackTraceElement("com.jcraft.jsch.Channel", "sendChannelOpen", "Channel.java", 1);
        StackTraceElement connect = new StackTraceElement("com.jcraft.jsch.Channel", "connect", "Channel.java", 2);
        StackTraceElement start = new StackTraceElement("com.jcraft.jsch.ChannelExec", "start", "ChannelExec.java", 3);
        StackTraceElement request = new StackTraceElement("com.jcraft.jsch.Request", "write", "Request.java", 4);

        com.jcraft.jsch.JSchException notOpened = new com.jcraft.jsch.JSchException("channel is not opened.");
        notOpened.setStackTrace(new StackTraceElement[]{open, connect});
        assertTrue(SshHost.failedBeforeChannelRequest(notOpened));

        IOException brokenWrite = new IOException("Broken pipe");
        brokenWrite.setStackTrace(new StackTraceElement[]{open, connect});
        assertTrue(SshHost.failedBeforeChannelRequest(new com.jcraft.jsch.JSchException(brokenWrite.toString(), brokenWrite)));

        IOException requestLost = new IOException("Broken pipe");
        requestLost.setStackTrace(new StackTraceElement[]{request, start, connect});
        assertFalse(SshHost.failedBeforeChannelRequest(new com.jcraft.jsch.JSchException("ChannelExec", requestLost)));

        NullPointerException race = new NullPointerException("this.thread is null");
        race.setStackTrace(new StackTraceElement[]{start, connect});
        assertFalse(SshHost.failedBeforeChannelRequest(new com.jcraft.jsch.JSchException(race.toString(), race)));

        com.jcraft.jsch.JSchException noFrames = new com.jcraft.jsch.JSchException("channel is not opened.");
        noFrames.setStackTrace(new StackTraceElement[0]);
        assertFalse(SshHost.failedBeforeChannelRequest(noFrames), "cannot tell: no retry");
    }
}
