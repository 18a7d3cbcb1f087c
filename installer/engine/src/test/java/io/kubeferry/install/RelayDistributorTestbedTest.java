package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Role;
import io.kubeferry.inventory.Secret;
import io.kubeferry.inventory.SshSettings;
import io.kubeferry.ssh.SshHost;
import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The relay on 4 hosts of the test datacenter (real OpenSSH sshd and ssh, links shaped by tc), driven as the
 * distribute phase drives it: prepare with every host's files, then every host's ensure at once. A host whose sshd is
 * killed midway fails by name, every other host gets every file with the right sha256, and no temporary key line,
 * helper file or process is left on any host (the killed host's own holder cleans it when its connection ends).
 */
class RelayDistributorTestbedTest {
    private static final String STAGE = "/var/lib/kubeferry/bundle/relay-test";
    private static final int BIG = 12 * 1024 * 1024;

    @TempDir
    static Path dir;
    static Testbed tb;
    static List<TestHost> hosts;
    static Path big;
    static Path small;

    @BeforeAll
    static void up() throws Exception {
        tb = Testbed.shared(4);
        hosts = List.of(tb.host(1), tb.host(2), tb.host(3), tb.host(4));
        big = write(dir.resolve("images.tar"), BIG, 1);
        small = write(dir.resolve("kubelet"), 300_000, 2);
    }

    private static Path write(Path p, int size, long seed) throws IOException {
        byte[] buf = new byte[64 * 1024];
        Random r = new Random(seed);
        try (OutputStream out = Files.newOutputStream(p)) {
            for (int n = 0; n < size; n += buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, Math.min(buf.length, size - n));
            }
        }
        return p;
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(Files.readAllBytes(p));
        return HexFormat.of().formatHex(md.digest());
    }

    private static Host host(TestHost t, String user, String internalAddress) {
        SshSettings ssh = new SshSettings(user, 22, user.equals("root") ? null : Secret.of(tb.password(), "testbed"),
                tb.privateKey(), null, user.equals("kfuser") ? SshSettings.Sudo.PASSWORD
                : user.equals("root") ? SshSettings.Sudo.NONE : SshSettings.Sudo.PASSWORDLESS, null, null, null,
                tb.knownHosts(), SshSettings.HostKeyPolicy.STRICT, Duration.ofSeconds(10));
        return new Host(t.name(), t.address(), internalAddress, ssh, Set.of(Role.WORKER), Map.of(), List.of());
    }

    private static void clean() {
        for (TestHost h : hosts) {
            tb.exec(h, "rm -rf " + STAGE + " " + RelayDistributor.DATA_DIR);
        }
    }

    /** What the run left on a host: key lines, run directories, processes of the relay (empty when nothing). */
    private static String leftovers(TestHost h) {
        // every pattern spelt so that this very command's own line does not match it
        ExecResult r = tb.exec(h, "grep -h 'kubeferry-rela[y]-' /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys"
                + " 2>/dev/null; ls -d /tmp/kubeferry-rela[y]-* 2>/dev/null;"
                + " for p in /proc/[0-9]*; do c=$(tr '\\0' ' ' <$p/cmdline 2>/dev/null);"
                + " case $c in *kubeferry-rela[y]*) echo \"process ${p#/proc/}: $c\";; esac; done; true");
        return r.stdout().strip();
    }

    private static String shaOn(TestHost h, String path) {
        return tb.exec(h, "sha256sum " + path + " 2>/dev/null | cut -c1-64").stdout().strip();
    }

    /** prepare with both files for every host, then every host's ensure at once, as the distribute phase does. */
    private static Map<String, Object> distribute(RelayDistributor relay, List<SshHost> remotes, List<Host> inv,
                                                  List<String> notices) throws Exception {
        List<FileDistributor.Delivery> ds = new ArrayList<>();
        for (int i = 0; i < remotes.size(); i++) {
            ds.add(new FileDistributor.Delivery(inv.get(i), remotes.get(i), small, STAGE + "/kubelet", sha256(small), Files.size(small)));
            ds.add(new FileDistributor.Delivery(inv.get(i), remotes.get(i), big, STAGE + "/images.tar", sha256(big), Files.size(big)));
        }
        relay.prepare(ds, notices::add);
        ExecutorService pool = Executors.newFixedThreadPool(remotes.size());
        try {
            Map<String, Future<?>> fs = new LinkedHashMap<>();
            for (RemoteHost r : remotes) {
                fs.put(r.name(), pool.submit(() -> {
                    relay.ensure(r, small, STAGE + "/kubelet", 0755);
                    relay.ensure(r, big, STAGE + "/images.tar", 0644);
                    return null;
                }));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (var f : fs.entrySet()) {
                try {
                    f.getValue().get();
                    out.put(f.getKey(), "ok");
                } catch (java.util.concurrent.ExecutionException e) {
                    out.put(f.getKey(), e.getCause());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertGotEverything(TestHost h) throws Exception {
        assertEquals(sha256(small), shaOn(h, STAGE + "/kubelet"), h.name() + " kubelet");
        assertEquals(sha256(big), shaOn(h, STAGE + "/images.tar"), h.name() + " images.tar");
        assertEquals("755 root", tb.exec(h, "stat -c '%a %U' " + STAGE + "/kubelet").stdout().strip());
    }

    @Test
    void aHostKilledMidwayFailsByNameTheOthersGetEveryFileAndNothingIsLeft() throws Exception {
        clean();
        List<Host> inv = hosts.stream().map(h -> host(h, "root", h.address())).toList();
        List<SshHost> remotes = inv.stream().map(SshHost::connect).toList();
        TestHost victim = hosts.get(1);
        AtomicLong sizeAtCut = new AtomicLong(-1);
        List<String> notices = new CopyOnWriteArrayList<>();
        hosts.forEach(h -> tb.shape(h, "20mbit"));
        try {
            Thread cutter = cutMidway(victim, sizeAtCut, () -> tb.stopSsh(victim));
            Map<String, Object> result = distribute(new RelayDistributor(), remotes, inv, notices);
            cutter.join();
            assertTrue(sizeAtCut.get() > 0 && sizeAtCut.get() < BIG, "the cut came midway: " + sizeAtCut.get());
            assertInstanceOf(HostFailureException.class, result.get(victim.name()), String.valueOf(result));
            assertEquals(victim.name(), ((HostFailureException) result.get(victim.name())).host());
            for (TestHost h : hosts) {
                if (h != victim) {
                    assertEquals("ok", result.get(h.name()), h.name() + ": " + result.get(h.name()));
                    assertGotEverything(h);
                    assertEquals("", leftovers(h), h.name());
                    assertEquals("", tb.exec(h, "ls -A " + RelayDistributor.DATA_DIR + " 2>&1 >/dev/null | grep -v 'No such'; true").stdout().strip());
                }
            }
            // the hosts behind the victim got their copy another way, and the run said so
            assertTrue(notices.stream().anyMatch(n -> n.startsWith(hosts.get(3).name() + ": images.tar did not arrive whole")),
                    String.valueOf(notices));
            assertEquals("", leftovers(victim), "the killed host's holder cleaned up by itself");
        } finally {
            tb.startSsh(victim);
            hosts.forEach(h -> tb.shape(h, null));
            remotes.forEach(SshHost::close);
        }
        // a second run, the victim back: it gets everything (its part cleared), the others are skipped
        try {
            relayToAll(inv);
        } finally {
            clean();
        }
    }

    /** Relays both files to the hosts as {@code inv} logs in, then checks every file arrived and nothing is left. */
    private static List<String> relayToAll(List<Host> inv) throws Exception {
        List<SshHost> remotes = inv.stream().map(SshHost::connect).toList();
        List<String> notices = new CopyOnWriteArrayList<>();
        try {
            Map<String, Object> result = distribute(new RelayDistributor(), remotes, inv, notices);
            assertTrue(result.values().stream().allMatch("ok"::equals), result + " " + notices);
            for (int i = 0; i < inv.size(); i++) {
                assertGotEverything(hosts.get(i));
                assertEquals("", leftovers(hosts.get(i)), hosts.get(i).name());
                assertEquals("", tb.exec(hosts.get(i), "ls -d " + RelayDistributor.DATA_DIR + " 2>/dev/null; true").stdout().strip());
            }
            return notices;
        } finally {
            remotes.forEach(SshHost::close);
        }
    }

    /** Calls {@code cut} once the host holds more than a quarter of the big file; the size it had then. */
    private static Thread cutMidway(TestHost watched, AtomicLong sizeAtCut, Runnable cut) {
        Thread t = new Thread(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                String s = tb.exec(watched, "stat -c %s " + RelayDistributor.DATA_DIR + "/*.part 2>/dev/null | sort -n | tail -1").stdout().strip();
                if (!s.isEmpty() && Long.parseLong(s) > BIG / 4) {
                    cut.run();
                    sizeAtCut.set(Long.parseLong(s));
                    return;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        t.start();
        return t;
    }

    @Test
    void sudoUsersRelayAndLeaveNothing() throws Exception {
        clean();
        try {
            List<String> notices = relayToAll(List.of(host(hosts.get(0), "kfuser", hosts.get(0).address()),
                    host(hosts.get(1), "kfnopass", hosts.get(1).address()), host(hosts.get(2), "kfuser", hosts.get(2).address())));
            assertEquals(List.of(), notices, "everything arrived through the relay");
        } finally {
            clean();
        }
    }

    @Test
    void hostsThatCannotReachEachOtherGetThePlainCopyAndTheRunSaysSo() throws Exception {
        clean();
        try {
            // the second host's cluster address answers nobody (nothing has it on the test network)
            List<String> notices = relayToAll(List.of(host(hosts.get(0), "root", hosts.get(0).address()),
                    host(hosts.get(1), "root", "10.250.0.250"), host(hosts.get(2), "root", hosts.get(2).address())));
            assertTrue(notices.stream().anyMatch(n -> n.contains("cannot reach each other") && n.contains(hosts.get(0).name()
                    + " -> " + hosts.get(1).name()) && n.contains("plain copy")), String.valueOf(notices));
        } finally {
            clean();
        }
    }

    /**
     * The installer dies mid-relay (its connections all dropped at once): every host's holder cleans up by itself, the
     * parts stay, and the next run resumes the chain from them and finishes.
     */
    @Test
    void aRunCutMidwayIsResumedByTheNextRun() throws Exception {
        clean();
        List<Host> inv = hosts.subList(0, 3).stream().map(h -> host(h, "root", h.address())).toList();
        List<SshHost> remotes = inv.stream().map(SshHost::connect).toList();
        AtomicLong sizeAtCut = new AtomicLong(-1);
        hosts.forEach(h -> tb.shape(h, "20mbit"));
        try {
            Thread cutter = cutMidway(hosts.get(2), sizeAtCut, () -> remotes.forEach(SshHost::close));
            Map<String, Object> result = distribute(new RelayDistributor(), remotes, inv, new ArrayList<>());
            cutter.join();
            assertTrue(sizeAtCut.get() > 0 && sizeAtCut.get() < BIG, "the cut came midway: " + sizeAtCut.get());
            assertTrue(result.values().stream().noneMatch("ok"::equals), String.valueOf(result));
            for (TestHost h : hosts.subList(0, 3)) {
                String left = "";
                for (int i = 0; i < 100 && !(left = leftovers(h)).isEmpty(); i++) {
                    Thread.sleep(100); // the holder notices its connection's end
                }
                assertEquals("", left, h.name() + " after the installer died");
            }
        } finally {
            hosts.forEach(h -> tb.shape(h, null));
        }
        try {
            List<String> notices = relayToAll(inv);
            assertTrue(notices.stream().anyMatch(n -> n.startsWith("relay: images.tar resumed at ")), String.valueOf(notices));
            assertTrue(notices.stream().noneMatch(n -> n.contains("did not arrive whole")), String.valueOf(notices));
        } finally {
            clean();
        }
    }
}
