package io.kubeferry.e2e;

import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code installer reset} proven on the test datacenter: 1 control plane (kf-h1) + 1 worker (kf-h2) in local-proxy
 * mode. Each host is snapshotted before anything (file tree with sha256 of every file under the directories an
 * install or its daemons touch, mounts, network interfaces and addresses, listening ports, processes), then: a reset
 * of the never-installed hosts changes nothing and says so; the install; a dry-run reset changes nothing; the reset;
 * the snapshot again, identical but for the exceptions listed in {@link #ALLOWED}; a second reset has nothing to do.
 *
 * <p>Swap is really on before the install, through a <b>swap STAND-IN</b> (a test host cannot have swap of its own):
 * a file bind-mounted over {@code /proc/swaps} inside the host (what the installer's facts, the kubelet stand-in and
 * reset read), swapon/swapoff stand-in scripts in {@code /usr/local/sbin} that edit it, and an fstab swap line. The
 * install's preflight fix turns it off and comments the fstab line out; the reset must turn it on and put fstab back.
 * Kubelet STAND-IN as in {@link InstallIT}.
 */
class ResetIT {
    /**
     * Differences the reset cannot and should not undo, each with why (path prefixes of the file tree):
     */
    static final List<String> ALLOWED = List.of(
            // the systemctl STAND-IN's own state (pid files of the units it supervised); systemd has no such thing
            "/run/systemctl-standin",
            // written by pam_motd at each SSH login (the installer logs in; the first snapshot was taken without SSH)
            "/run/motd.dynamic",
            // kubectl's cache: the kubelet STAND-IN registers its Node with the real kubectl, whose HOME is / there
            "/.kube",
            // the JVM of the kubelet STAND-IN (hsperfdata); a real kubelet is no JVM
            "/tmp/hsperfdata_root");

    /**
     * Where the tree is compared with sha256 of every file: what an install, its daemons and reset touch (the
     * machine's root is every host's lower layer, so these are small). {@link #LISTED}: big trees of the machine
     * (CUDA, toolchains under /opt and /root) compared by type, mode, owner, size and mtime to a depth of 3.
     */
    static final String HASHED = "/etc /root/.ssh /var/lib /var/tmp /var/log/pods /var/log/containers /usr/local/bin /usr/local/sbin"
            + " /usr/local/lib /usr/local/etc /usr/local/share /usr/lib/systemd /run /tmp /srv /home";
    static final String LISTED = "/opt /root /usr/local /usr/bin /usr/sbin";

    static final String SWAPS = "/var/lib/kf-swap-standin/swaps";
    static final String SWAP_DEVICE = "/kf-swap.standin";
    static final String SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority";

    static TestBundle bundle;
    static Testbed tb;
    static Path dir;
    static Path inventory;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(2);
        bundle = TestBundle.shared();
        dir = Files.createTempDirectory("kubeferry-reset-it");
        inventory = Install.writeInventory(dir, """
                cluster:
                  name: reset
                  kubernetesVersion: %s
                  controlPlaneEndpoint: {mode: local-proxy}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: kf-h1, address: 10.250.0.11, roles: [control-plane]}
                  - {name: kf-h2, address: 10.250.0.12, roles: [worker]}
                """.formatted(TestBundle.KUBERNETES_VERSION, tb.privateKey(), tb.knownHosts()));
        for (int i = 1; i <= 2; i++) {
            swapStandIn(tb.host(i));
        }
    }

    @AfterAll
    static void tearDown() {
        if (tb == null) {
            return;
        }
        for (int i = 1; i <= 2; i++) {
            // the swap stand-in goes; the hosts themselves are made anew by the next test that needs them
            tb.exec(tb.host(i), "umount /proc/swaps 2>/dev/null; rm -rf /var/lib/kf-swap-standin " + SWAP_DEVICE
                    + " /usr/local/sbin/swapon /usr/local/sbin/swapoff; sed -i '\\@" + SWAP_DEVICE + "@d' /etc/fstab");
        }
    }

    /** Swap STAND-IN: on, with its fstab line (see the class comment). */
    static void swapStandIn(TestHost h) {
        String standin = "#!/bin/sh\n"
                + "# swapon/swapoff STAND-IN (e2e ResetIT): a test host has no swap of its own; /proc/swaps is the file\n"
                + "# " + SWAPS + " bind-mounted over it, and these edit it. swapon -a: the fstab swap lines; swapoff -a: every active one.\n"
                + "S=/proc/swaps; h=$(head -n1 $S); body=$(tail -n +2 $S)\n"
                + "if [ \"$1\" = -a ]; then if [ \"${0##*/}\" = swapon ]; then set -- $(awk '$1 !~ /^#/ && $3 == \"swap\" {print $1}' /etc/fstab);"
                + " else set -- $(tail -n +2 $S | awk '{print $1}'); fi; fi\n"
                + "for d in \"$@\"; do body=$(printf '%s\\n' \"$body\" | grep -v \"^$d[[:space:]]\")\n"
                + "  [ \"${0##*/}\" = swapon ] && body=$(printf '%s\\n%s\\t\\t\\t\\tfile\\t\\t1020\\t\\t0\\t\\t-2' \"$body\" \"$d\"); done\n"
                + "new=$(echo \"$h\"; printf '%s\\n' \"$body\" | grep -v '^$'); printf '%s\\n' \"$new\" > $S\n";
        ExecResult r = tb.exec(h, "set -e; mkdir -p /var/lib/kf-swap-standin /usr/local/sbin"
                + " && printf '%s\\n' '" + SWAPS_HEADER + "' > " + SWAPS
                + " && dd if=/dev/zero of=" + SWAP_DEVICE + " bs=1024 count=1024 2>/dev/null && chmod 600 " + SWAP_DEVICE
                + " && mount --bind " + SWAPS + " /proc/swaps"
                + " && cat > /usr/local/sbin/swapon <<'EOF'\n" + standin + "EOF\n"
                + "chmod 755 /usr/local/sbin/swapon && cp /usr/local/sbin/swapon /usr/local/sbin/swapoff"
                + " && echo '" + SWAP_DEVICE + " none swap sw 0 0' >> /etc/fstab && /usr/local/sbin/swapon -a && cat /proc/swaps");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().contains(SWAP_DEVICE), "swap stand-in on: " + r.stdout());
    }

    @Test
    void resetLeavesEachHostAsItWasFound() throws Exception {
        Map<String, Map<String, String>> found = snapshots();

        // never installed: nothing to do, and nothing done
        Install.Run never = Install.run(bundle, "reset", "-i", inventory.toString(), "--yes");
        assertEquals(0, never.exit(), never.toString());
        assertTrue(never.output().contains("kf-h1: nothing to reset: never installed by Kubeferry"), never.output());
        assertTrue(never.output().contains("kf-h2: nothing to reset: never installed by Kubeferry"), never.output());
        assertSame(found, snapshots(), "a reset of never-installed hosts");

        // bad input: exit 2 before any host is touched
        Install.Run noYes = Install.run(bundle, "reset", "-i", inventory.toString());
        assertEquals(2, noYes.exit(), noYes.toString());
        assertTrue(noYes.output().contains("--yes"), noYes.output());
        Install.Run unknown = Install.run(bundle, "reset", "-i", inventory.toString(), "--host", "kf-h9", "--yes");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.output().contains("kf-h9"), unknown.output());

        Install.Run install = Install.run(bundle, "apply", "-i", inventory.toString());
        assertEquals(0, install.exit(), install.toString());
        assertTrue(install.output().contains("Cluster reset (Kubernetes 1.32.9) is up: 2 nodes"), install.output());
        for (int i = 1; i <= 2; i++) {
            TestHost h = tb.host(i);
            assertFalse(tb.exec(h, "cat /proc/swaps").stdout().contains(SWAP_DEVICE), "swap is off after the install on " + h.name());
            assertTrue(tb.exec(h, "cat /etc/fstab").stdout().contains("# kubeferry: swap off for the kubelet: " + SWAP_DEVICE),
                    h.name());
        }

        // a dry run lists what it would undo and changes nothing of the install
        Map<String, String> installed = new LinkedHashMap<>();
        for (int i = 1; i <= 2; i++) {
            installed.put(tb.host(i).name(), installState(tb.host(i)));
        }
        Install.Run dry = Install.run(bundle, "reset", "-i", inventory.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.output().contains("kubelet: stop and disable"), dry.output());
        assertTrue(dry.output().contains("swap on " + SWAP_DEVICE), dry.output());
        for (int i = 1; i <= 2; i++) {
            assertEquals(installed.get(tb.host(i).name()), installState(tb.host(i)), "a dry run changed " + tb.host(i).name());
        }

        // --host: only that host is connected to and planned for
        Install.Run one = Install.run(bundle, "reset", "-i", inventory.toString(), "--host", "kf-h2", "--dry-run");
        assertEquals(0, one.exit(), one.toString());
        assertTrue(one.output().contains("kf-h2:") && !one.output().contains("kf-h1"), one.output());

        long t0 = System.nanoTime();
        Install.Run reset = Install.run(bundle, "reset", "-i", inventory.toString(), "--yes");
        System.out.printf("[reset-it] reset took %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, reset.exit(), reset.toString());
        assertTrue(reset.output().contains("kf-h1: reset:"), reset.output());
        assertTrue(reset.output().contains("swap on " + SWAP_DEVICE), reset.output());
        assertSame(found, snapshots(), "after install and reset");
        for (int i = 1; i <= 2; i++) {
            assertTrue(tb.exec(tb.host(i), "cat /proc/swaps").stdout().contains(SWAP_DEVICE), "swap is on again");
        }

        Install.Run again = Install.run(bundle, "reset", "-i", inventory.toString(), "--yes");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.output().contains("kf-h1: nothing to reset"), again.output());
        assertTrue(again.output().contains("kf-h2: nothing to reset"), again.output());
        assertSame(found, snapshots(), "after a second reset");
    }

    /** The install's files by sha256 and the services' pids: what a dry run must leave as it is. */
    static String installState(TestHost h) {
        return tb.exec(h, "find /etc/kubernetes /etc/containerd /etc/systemd/system /usr/local/bin /var/lib/kubeferry /etc/kubeferry"
                + " -type f -exec sha256sum {} + 2>/dev/null | sort; sha256sum /etc/fstab /etc/hosts;"
                + " for f in /run/systemctl-standin/*.pid; do echo \"$f $(cat $f)\"; done; cat /proc/swaps").stdout();
    }

    static Map<String, Map<String, String>> snapshots() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (int i = 1; i <= 2; i++) {
            out.put(tb.host(i).name(), snapshot(tb.host(i)));
        }
        return out;
    }

    /**
     * One host, as keys and values: {@code file PATH} (type, mode, owner, link target, sha256), {@code mount POINT},
     * {@code if NAME ADDRESS}, {@code listen PROTO ADDR:PORT}, {@code sysctl KEY=VALUE}, {@code proc COMMAND} (with a count).
     */
    static Map<String, String> snapshot(TestHost h) {
        Map<String, String> out = new TreeMap<>();
        String tree = exec(h, "find / -mindepth 1 -maxdepth 1 -printf '%y %m %U:%G %p %l\\n';"
                + " find " + HASHED + " -mindepth 1 -printf '%y %m %U:%G %p %l\\n' 2>/dev/null;"
                + " find " + LISTED + " -mindepth 1 -maxdepth 3 -type d -printf '%y %m %U:%G %p %l\\n' 2>/dev/null;"
                + " find " + LISTED + " -mindepth 1 -maxdepth 3 ! -type d -printf '%y %m %U:%G:%s:%T@ %p %l\\n' 2>/dev/null; true");
        for (String line : tree.split("\n")) {
            String[] w = line.split(" ", 5);
            if (w.length >= 4 && !w[3].equals("/proc") && !w[3].startsWith("/proc/")) {
                // first one wins: a hashed tree's entry is not overwritten by the same path listed with its mtime
                out.putIfAbsent("file " + w[3], w[0] + " " + w[1] + " " + w[2] + (w.length == 5 && !w[4].isEmpty() ? " -> " + w[4] : ""));
            }
        }
        String sums = exec(h, "find / -mindepth 1 -maxdepth 1 -type f -print0 | xargs -0 -r sha256sum;"
                + " find " + HASHED + " -type f -print0 2>/dev/null | xargs -0 -r sha256sum 2>/dev/null; true");
        for (String line : sums.split("\n")) {
            if (line.length() > 66) {
                out.merge("file " + line.substring(66), line.substring(0, 64), (a, b) -> a + " " + b);
            }
        }
        for (String m : exec(h, "awk '{print $2, $3, $1}' /proc/mounts").split("\n")) {
            out.merge("mount " + m, "1", (a, b) -> String.valueOf(Integer.parseInt(a) + 1));
        }
        for (String a : exec(h, "ip -o addr show | awk '{print $2, $3, $4}'; ip -o link show | awk -F': ' '{print $2}'").split("\n")) {
            out.put("if " + a, "");
        }
        // the sysctls the install sets (per network namespace here, so the host's own)
        for (String l : exec(h, "for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables"
                + " net.bridge.bridge-nf-call-ip6tables; do echo \"$k=$(sysctl -n $k 2>/dev/null)\"; done").split("\n")) {
            out.put("sysctl " + l, "");
        }
        for (String l : exec(h, "ss -Hltnu | awk '{print $1, $5}'").split("\n")) {
            out.put("listen " + l, "");
        }
        // processes by name; the snapshot's own commands left out
        for (String p : exec(h, "for p in /proc/[0-9]*; do cat $p/comm 2>/dev/null; done").split("\n")) {
            if (!p.isBlank() && !List.of("sh", "bash", "cat", "nsenter", "sleep").contains(p.strip())) {
                out.merge("proc " + p.strip(), "1", (a, b) -> String.valueOf(Integer.parseInt(a) + 1));
            }
        }
        return out;
    }

    private static String exec(TestHost h, String cmd) {
        ExecResult r = tb.exec(h, cmd, Duration.ofMinutes(3));
        return r.stdout();
    }

    /** Equal but for {@link #ALLOWED}; every other difference named. */
    static void assertSame(Map<String, Map<String, String>> before, Map<String, Map<String, String>> after, String when) {
        List<String> diffs = new ArrayList<>();
        for (String host : before.keySet()) {
            Map<String, String> b = before.get(host);
            Map<String, String> a = after.get(host);
            TreeSet<String> keys = new TreeSet<>(b.keySet());
            keys.addAll(a.keySet());
            for (String k : keys) {
                if (k.startsWith("file ") && ALLOWED.stream().anyMatch(p -> k.equals("file " + p) || k.startsWith("file " + p + "/"))) {
                    continue;
                }
                String x = b.get(k);
                String y = a.get(k);
                if (x == null) {
                    diffs.add(host + ": new " + k + " " + y);
                } else if (y == null) {
                    diffs.add(host + ": gone " + k + " " + x);
                } else if (!x.equals(y)) {
                    diffs.add(host + ": changed " + k + ": " + x + " -> " + y);
                }
            }
        }
        assertTrue(diffs.isEmpty(), when + ": " + diffs.size() + " differences from before the install:\n"
                + String.join("\n", diffs.subList(0, Math.min(200, diffs.size()))));
    }
}
