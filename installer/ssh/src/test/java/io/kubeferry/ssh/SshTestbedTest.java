package io.kubeferry.ssh;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.Shell;
import io.kubeferry.host.UploadResult;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Role;
import io.kubeferry.inventory.Secret;
import io.kubeferry.inventory.SshSettings;
import io.kubeferry.inventory.SshSettings.HostKeyPolicy;
import io.kubeferry.inventory.SshSettings.Sudo;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SSH engine against the local test datacenter: real OpenSSH sshd in network namespaces
 * (testbed/testbed.sh). Skipped when not root or with -Dtestbed.skip=true.
 */
class SshTestbedTest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static Testbed tb;
    static TestHost h1;
    static TestHost h2;
    static TestHost h3;

    @TempDir
    Path dir;

    @BeforeAll
    static void up() {
        tb = Testbed.shared(3);
        h1 = tb.host(1);
        h2 = tb.host(2);
        h3 = tb.host(3);
    }

    static SshSettings ssh(String user, Secret password, Path key, Sudo sudo, SshSettings.Bastion bastion,
                           String pinned, Path knownHosts, HostKeyPolicy policy) {
        return new SshSettings(user, 22, password, key, null, sudo, null, bastion, pinned, knownHosts, policy, TIMEOUT);
    }

    static Host host(TestHost t, SshSettings ssh) {
        return new Host(t.name(), t.address(), t.address(), ssh, Set.of(Role.WORKER), Map.of(), List.of());
    }

    static Host withKey(TestHost t) {
        return host(t, ssh("root", null, tb.privateKey(), Sudo.NONE, null, null, tb.knownHosts(), HostKeyPolicy.STRICT));
    }

    static Host withPassword(TestHost t, String user, Sudo sudo) {
        return host(t, ssh(user, Secret.of(tb.password(), "testbed"), null, sudo, null, null, tb.knownHosts(),
                HostKeyPolicy.STRICT));
    }

    private static void connectAndCheckEachReachesItsOwnHost(List<Host> hosts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(hosts.size());
        try (SshConnector c = new SshConnector()) {
            Map<String, Future<SshHost>> out = ParallelConnect.start(c, pool, hosts);
            try {
                for (Map.Entry<String, Future<SshHost>> o : out.entrySet()) {
                    SshHost h = o.getValue().get();
                    assertEquals(o.getKey(), h.name());
                    String addr = h.host().address();
                    ExecResult r = h.exec("ip -4 -o addr show");
                    assertTrue(r.stdout().contains(" " + addr + "/"), o.getKey() + ": " + r.stdout());
                }
            } finally {
                ParallelConnect.closeConnected(out.values());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void connectsToThreeHostsInParallelWithKeyAndWithPassword() throws Exception {
        connectAndCheckEachReachesItsOwnHost(List.of(withKey(h1), withKey(h2), withKey(h3)));
        connectAndCheckEachReachesItsOwnHost(List.of(withPassword(h1, "root", Sudo.NONE),
                withPassword(h2, "root", Sudo.NONE), withPassword(h3, "root", Sudo.NONE)));
    }

    @Test
    void runsManyCommandsInParallelOverOneConnectionPerHost() throws Exception {
        // other sessions (a leftover of another test, an operator's ssh) may be open: count only ours, made here
        Map<TestHost, Set<String>> before = new java.util.HashMap<>();
        for (TestHost t : List.of(h1, h2, h3)) {
            before.put(t, ourConnections(t));
        }
        List<SshHost> hosts = List.of(SshHost.connect(withKey(h1)), SshHost.connect(withKey(h2)),
                SshHost.connect(withKey(h3)));
        ExecutorService pool = Executors.newFixedThreadPool(24);
        try {
            long t0 = System.nanoTime();
            List<Future<ExecResult>> fs = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                SshHost h = hosts.get(i % 3);
                int n = i;
                fs.add(pool.submit(() -> h.exec("sleep 1; echo " + n)));
            }
            for (int i = 0; i < 24; i++) {
                assertEquals(i + "\n", fs.get(i).get().stdout());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 6000, "24 x 1 s commands took " + ms + " ms; they should overlap");
            // our one connection per host: this JVM's established connections to its sshd, new since the start
            for (TestHost t : List.of(h1, h2, h3)) {
                Set<String> made = new java.util.TreeSet<>(ourConnections(t));
                made.removeAll(before.get(t));
                assertEquals(1, made.size(), t.name() + ": connections made by this test " + made);
            }
        } finally {
            pool.shutdownNow();
            hosts.forEach(SshHost::close);
        }
    }

    /** Local ports of this JVM's established TCP connections to the host's sshd (seen on the machine side). */
    static Set<String> ourConnections(TestHost t) throws Exception {
        Process p = new ProcessBuilder("ss", "-Htnp", "state", "established",
                "( dport = :" + t.sshPort() + " and dst " + t.address() + " )").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        String pid = "pid=" + ProcessHandle.current().pid() + ",";
        Set<String> ports = new java.util.TreeSet<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (line.contains(pid) && f.length >= 4) {
                ports.add(f[2]);
            }
        }
        return ports;
    }

    @Test
    void uploadResumesAfterTheConnectionIsKilledThenSkipsWhenUnchanged() throws Exception {
        Path local = dir.resolve("50mb.bin");
        long size = 50L * 1024 * 1024;
        UploadMinaTest.writeRandom(local, size, 7);
        String sha = UploadMinaTest.sha256(local);
        String remote = "/opt/kubeferry-test/upload/50mb.bin";
        tb.exec(h1, "rm -rf /opt/kubeferry-test/upload");
        AtomicBoolean killed = new AtomicBoolean();
        TransferListener killAt30 = new TransferListener() {
            @Override
            public void progress(String h, String path, long done, long total) {
                if (done > total * 3 / 10 && killed.compareAndSet(false, true)) {
                    // kill the sshd processes serving our connection, as a dropped link would
                    tb.exec(h1, "pkill -KILL -f 'sshd: root'");
                }
            }
        };
        tb.shape(h1, "100mbit");
        try (SshHost h = SshHost.connect(withKey(h1), SshOptions.defaults().withUploadAttempts(1))) {
            HostFailureException e = assertThrows(HostFailureException.class, () -> h.upload(local, remote, 0644, killAt30));
            assertTrue(e.getMessage().startsWith(h1.name() + ": upload of " + local), e.getMessage());
        } finally {
            tb.shape(h1, "none");
        }
        long partial = Long.parseLong(tb.exec(h1, "stat -c %s " + Uploader.partPath(remote)).stdout().strip());
        assertTrue(partial > 0 && partial < size, "partial file " + partial);
        assertEquals("600 root", tb.exec(h1, "stat -c '%a %U' " + Uploader.partPath(remote)).stdout().strip(),
                "the partial file stays private after the dropped connection");
        assertFalse(tb.exec(h1, "test -e " + remote).ok(), "nothing at the target yet");

        try (SshHost h = SshHost.connect(withKey(h1))) {
            long t0 = System.nanoTime();
            UploadResult r = h.upload(local, remote, 0755);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertFalse(r.skipped());
            assertEquals(size - partial, r.bytesSent(), "resumed from the partial file");
            assertTrue(r.bytesSent() < size);
            assertEquals(sha, r.sha256());
            assertEquals(sha + "  " + remote, tb.exec(h1, "sha256sum " + remote).stdout().strip());
            assertEquals("755 root root", tb.exec(h1, "stat -c '%a %U %G' " + remote).stdout().strip());
            assertFalse(tb.exec(h1, "test -e " + Uploader.partPath(remote)).ok());
            System.out.printf("[figures] resumed upload of %d of %d bytes in %d ms%n", r.bytesSent(), size, ms);

            long t1 = System.nanoTime();
            UploadResult again = h.upload(local, remote, 0755);
            assertTrue(again.skipped());
            assertEquals(0, again.bytesSent());
            System.out.printf("[figures] unchanged 50 MB re-upload (remote sha256 check) in %d ms%n",
                    (System.nanoTime() - t1) / 1_000_000);
        }
    }

    @Test
    void uploadReconnectsAndResumesByItself() throws Exception {
        Path local = dir.resolve("20mb.bin");
        long size = 20L * 1024 * 1024;
        UploadMinaTest.writeRandom(local, size, 8);
        String remote = "/opt/kubeferry-test/auto/20mb.bin";
        tb.exec(h2, "rm -rf /opt/kubeferry-test/auto");
        AtomicBoolean killed = new AtomicBoolean();
        AtomicLong resumedAt = new AtomicLong(-1);
        List<String> retries = new java.util.concurrent.CopyOnWriteArrayList<>();
        TransferListener l = new TransferListener() {
            @Override
            public void started(String h, String path, long total, long offset) {
                if (killed.get()) {
                    resumedAt.set(offset);
                }
            }

            @Override
            public void progress(String h, String path, long done, long total) {
                if (done > total / 2 && killed.compareAndSet(false, true)) {
                    tb.exec(h2, "pkill -KILL -f 'sshd: root'");
                }
            }

            @Override
            public void retrying(String h, String path, int attempt, String reason) {
                retries.add(reason);
            }
        };
        tb.shape(h2, "100mbit");
        try (SshHost h = SshHost.connect(withKey(h2))) {
            UploadResult r = h.upload(local, remote, 0644, l);
            assertEquals(1, retries.size(), retries.toString());
            assertTrue(resumedAt.get() > 0, "resumed at " + resumedAt.get());
            assertEquals(UploadMinaTest.sha256(local) + "  " + remote, tb.exec(h2, "sha256sum " + remote).stdout().strip());
            assertEquals(UploadMinaTest.sha256(local), r.sha256());
        } finally {
            tb.shape(h2, "none");
        }
    }

    @Test
    void reachesAHostThroughABastion() {
        SshSettings.Bastion viaH1 = new SshSettings.Bastion(h1.address(), 22, "root", null, tb.privateKey(), null,
                h1.hostKeySha256());
        Host behind = host(h2, ssh("root", null, tb.privateKey(), Sudo.NONE, viaH1, null, tb.knownHosts(),
                HostKeyPolicy.STRICT));
        try (SshConnector c = new SshConnector(); SshHost h = c.connect(behind)) {
            // h2's sshd sees the connection coming from h1, the bastion
            String from = h.exec("echo $SSH_CONNECTION").stdout().split(" ")[0];
            assertEquals(h1.address(), from);
            assertTrue(h.exec("ip -4 -o addr show").stdout().contains(" " + h2.address() + "/"));
        }
    }

    @Test
    void aWrongHostKeyIsRefused() throws Exception {
        // pinned: h2's fingerprint for h1
        Host pinnedWrong = host(h1, ssh("root", null, tb.privateKey(), Sudo.NONE, null, h2.hostKeySha256(),
                tb.knownHosts(), HostKeyPolicy.STRICT));
        UnexpectedStateException e = assertThrows(UnexpectedStateException.class, () -> SshHost.connect(pinnedWrong));
        assertTrue(e.getMessage().contains("HOST KEY CHANGED for root@" + h1.address() + ":22"), e.getMessage());
        assertTrue(e.getMessage().contains(h2.hostKeySha256()) && e.getMessage().contains(h1.hostKeySha256()),
                e.getMessage());

        // known_hosts: h1's address listed with h2's key
        String h2Key = Files.readAllLines(tb.knownHosts()).stream().filter(l -> l.startsWith(h2.address() + " "))
                .findFirst().orElseThrow().substring(h2.address().length() + 1);
        Path kh = dir.resolve("known_hosts");
        Files.writeString(kh, h1.address() + " " + h2Key + "\n");
        Host swapped = host(h1, ssh("root", null, tb.privateKey(), Sudo.NONE, null, null, kh, HostKeyPolicy.ACCEPT_NEW));
        UnexpectedStateException e2 = assertThrows(UnexpectedStateException.class, () -> SshHost.connect(swapped));
        assertTrue(e2.getMessage().contains("expected " + h2.hostKeySha256()), e2.getMessage());
        assertTrue(e2.getMessage().contains(h1.hostKeySha256()), e2.getMessage());
    }

    @Test
    void aWrongPasswordFailsClearlyWithinTheTimeout() {
        Host bad = host(h2, ssh("root", Secret.of("not-the-password", "test"), null, Sudo.NONE, null, null,
                tb.knownHosts(), HostKeyPolicy.STRICT));
        long t0 = System.nanoTime();
        HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(bad));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(h2.name(), e.host());
        assertTrue(e.getMessage().contains("authentication refused by root@" + h2.address() + ":22"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"));
        assertTrue(ms < TIMEOUT.toMillis(), "took " + ms + " ms");
        System.out.printf("[figures] wrong password reported after %d ms%n", ms);
    }

    @Test
    void anUnreachableHostFailsClearlyWithinTheTimeout() throws Exception {
        tb.stopSsh(h3);
        try {
            long t0 = System.nanoTime();
            HostFailureException e = assertThrows(HostFailureException.class, () -> SshHost.connect(withKey(h3)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().startsWith(h3.name() + ": cannot connect to root@" + h3.address()
                    + ":22: connection refused"), e.getMessage());
            assertTrue(ms < TIMEOUT.toMillis(), "took " + ms + " ms");
            // connecting in parallel: the reachable host connects, the unreachable one's failure names it
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (SshConnector c = new SshConnector()) {
                long t1 = System.nanoTime();
                Map<String, Future<SshHost>> out = ParallelConnect.start(c, pool, List.of(withKey(h1), withKey(h3)));
                RuntimeException failed = ParallelConnect.failureOf(h3.name(), out.get(h3.name()));
                long failedMs = (System.nanoTime() - t1) / 1_000_000;
                HostFailureException e3 = assertInstanceOf(HostFailureException.class, failed);
                assertEquals(h3.name(), e3.host());
                assertTrue(e3.getMessage().startsWith(h3.name() + ": cannot connect to root@" + h3.address()
                        + ":22: connection refused"), e3.getMessage());
                assertTrue(failedMs < TIMEOUT.toMillis(), "took " + failedMs + " ms");
                try {
                    SshHost ok = out.get(h1.name()).get();
                    assertEquals(h1.name(), ok.name());
                    assertEquals("ok\n", ok.exec("echo ok").stdout());
                } finally {
                    ParallelConnect.closeConnected(out.values());
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            tb.startSsh(h3);
        }
    }

    @Test
    void sudoWithPasswordAndPasswordless() throws Exception {
        tb.exec(h2, "rm -rf /etc/kubeferry-test");
        try (SshHost kfuser = SshHost.connect(withPassword(h2, "kfuser", Sudo.PASSWORD))) {
            assertEquals("0\n", kfuser.exec("id -u").stdout());
            // the password line is eaten by sudo: a command reading stdin never sees it
            ExecResult r = kfuser.exec("cat; echo end");
            assertEquals("end\n", r.stdout());
            assertFalse(r.stdout().contains(tb.password()));
            UploadResult u = kfuser.put("hello\n".getBytes(), "/etc/kubeferry-test/sudo.txt", 0600);
            assertFalse(u.skipped());
            assertEquals("600 root root hello", tb.exec(h2, "stat -c '%a %U %G' /etc/kubeferry-test/sudo.txt; "
                    + "cat /etc/kubeferry-test/sudo.txt").stdout().replace("\n", " ").strip());
            assertTrue(kfuser.put("hello\n".getBytes(), "/etc/kubeferry-test/sudo.txt", 0600).skipped());
            // SFTP writes as kfuser (sshd's umask 022): the partial file is kfuser's, and 0600 while in transit
            Path key = dir.resolve("ca.key");
            UploadMinaTest.writeRandom(key, 4L * 1024 * 1024, 9);
            String remoteKey = "/etc/kubeferry-test/pki/ca.key";
            List<String> inTransit = new java.util.concurrent.CopyOnWriteArrayList<>();
            kfuser.upload(key, remoteKey, 0600, new TransferListener() {
                @Override
                public void progress(String h, String path, long done, long total) {
                    if (inTransit.isEmpty()) {
                        inTransit.add(tb.exec(h2, "stat -c '%a %U' " + Uploader.stagedPartPath("kfuser", remoteKey)).stdout().strip());
                    }
                }
            });
            assertEquals(List.of("600 kfuser"), inTransit);
            assertEquals("600 root", tb.exec(h2, "stat -c '%a %U' " + remoteKey).stdout().strip());
            // a directory kfuser cannot enter (as the kubelet's 0700 /var/lib/kubelet): the bytes go by its own
            // staging directory, and root puts them in place
            tb.exec(h2, "mkdir -p /etc/kubeferry-test/private && chmod 700 /etc/kubeferry-test/private");
            assertFalse(kfuser.put("secret\n".getBytes(), "/etc/kubeferry-test/private/config.yaml", 0644).skipped());
            assertEquals("644 root secret", tb.exec(h2, "stat -c '%a %U' /etc/kubeferry-test/private/config.yaml; "
                    + "cat /etc/kubeferry-test/private/config.yaml").stdout().replace("\n", " ").strip());
            assertEquals("", tb.exec(h2, "ls -A /etc/kubeferry-test/private | grep -v '^config.yaml$'; ls -A "
                    + Uploader.stagingDir("kfuser")).stdout().strip(), "no partial file left behind");
        }
        Host nopass = host(h2, ssh("kfnopass", null, tb.privateKey(), Sudo.PASSWORDLESS, null, null, tb.knownHosts(),
                HostKeyPolicy.STRICT));
        try (SshHost h = SshHost.connect(nopass)) {
            assertEquals("0\n", h.exec("id -u").stdout());
        }
        // kfuser needs a password: passwordless sudo is refused with a clear message
        HostFailureException e = assertThrows(HostFailureException.class,
                () -> SshHost.connect(withPassword(h2, "kfuser", Sudo.PASSWORDLESS)));
        assertTrue(e.getMessage().contains("sudo refused for kfuser"), e.getMessage());
        Host wrongSudo = host(h2, new SshSettings("kfuser", 22, Secret.of(tb.password(), "t"), null, null, Sudo.PASSWORD,
                Secret.of("wrong-sudo-pw", "t"), null, null, tb.knownHosts(), HostKeyPolicy.STRICT, TIMEOUT));
        HostFailureException e2 = assertThrows(HostFailureException.class, () -> SshHost.connect(wrongSudo));
        assertTrue(e2.getMessage().contains("sudo refused for kfuser"), e2.getMessage());
        assertFalse(e2.getMessage().contains("wrong-sudo-pw"));
    }

    @Test
    void aHostNameWithShellMetacharactersRunsNothing() {
        tb.exec(h1, "rm -f /tmp/pwned");
        String name = "a;touch /tmp/pwned;$(touch /tmp/pwned)`touch /tmp/pwned`";
        Host evil = new Host(name, h1.address(), h1.address(), withKey(h1).ssh(), Set.of(Role.WORKER), Map.of(),
                List.of());
        try (SshHost h = SshHost.connect(evil)) {
            assertEquals(name + "\n", h.exec(Shell.command("echo", h.name())).stdout());
            h.exec("hostname_check=" + Shell.quote(h.name()) + "; echo \"$hostname_check\" > /dev/null");
            h.put(name.getBytes(), "/tmp/kubeferry-test/" + name.replace("/", "_"), 0644);
        }
        assertFalse(tb.exec(h1, "test -e /tmp/pwned").ok(), "metacharacters in a host name ran a command");
    }

    @Test
    void acceptNewRecordsRealHostKeys() throws Exception {
        Path kh = dir.resolve("new_known_hosts");
        Host h = host(h3, ssh("root", null, tb.privateKey(), Sudo.NONE, null, null, kh, HostKeyPolicy.ACCEPT_NEW));
        try (SshHost s = SshHost.connect(h)) {
            assertEquals(h3.hostKeySha256(), s.hostKeyFingerprint());
        }
        assertTrue(Files.readString(kh).startsWith(h3.address() + " ssh-ed25519 "), Files.readString(kh));
        Process p = new ProcessBuilder("ssh-keygen", "-l", "-E", "sha256", "-f", kh.toString()).start();
        String listed = new String(p.getInputStream().readAllBytes());
        assertTrue(listed.contains(h3.hostKeySha256()), "OpenSSH reads what we recorded: " + listed);
    }
}
