package io.kubeferry.testbed;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Brings up three test hosts (or reuses them) and checks what other modules' tests rely on. */
class TestbedTest {

    private static Testbed testbed;

    @BeforeAll
    static void up() {
        testbed = Testbed.shared(3);
    }

    @Test
    void everyHostHasItsOwnSshdAnsweringWithAnOpenSshBanner() throws IOException {
        assertTrue(testbed.hosts().size() >= 3);
        for (TestHost h : testbed.hosts().subList(0, 3)) {
            assertTrue(banner(h).startsWith("SSH-2.0-OpenSSH"), "banner of " + h);
            assertTrue(h.address().startsWith("10.250.0."), h.address());
            assertTrue(h.hostKeySha256().startsWith("SHA256:"), h.hostKeySha256());
        }
        assertEquals(3, testbed.hosts().subList(0, 3).stream().map(TestHost::hostKeySha256).distinct().count(),
                "each host has its own host key");
        String knownHosts = Files.readString(testbed.knownHosts());
        for (TestHost h : testbed.hosts()) {
            assertTrue(knownHosts.contains(h.address() + " ssh-ed25519 "), "known_hosts lists " + h.address());
        }
        assertTrue(Files.readString(testbed.privateKey()).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertTrue(!testbed.password().isBlank());
    }

    @Test
    void execRunsInsideTheHostAndItsHostKeyMatchesTheFingerprint() {
        for (TestHost h : testbed.hosts().subList(0, 3)) {
            ExecResult r = testbed.exec(h, "hostname; cat /etc/kubeferry-testbed-host; "
                    + "ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2; "
                    + "ip -4 -o addr show eth0");
            assertEquals(0, r.exitCode(), r.stderr());
            String[] lines = r.stdout().split("\n");
            assertEquals(h.name(), lines[0]);
            assertEquals(h.name(), lines[1]);
            assertEquals(h.hostKeySha256(), lines[2]);
            assertTrue(lines[3].contains(" " + h.address() + "/24 "), lines[3]);
        }
        ExecResult failing = testbed.exec(testbed.host(1), "echo to-stderr >&2; exit 7");
        assertEquals(7, failing.exitCode());
        assertEquals("to-stderr\n", failing.stderr());
    }

    @Test
    void hostsReachEachOtherOverTheBridge() {
        TestHost h1 = testbed.host(1);
        TestHost h2 = testbed.host(2);
        // /dev/tcp is a bash feature (the exec shell is /bin/sh)
        ExecResult r = testbed.exec(h1, "bash -c 'exec 3<>/dev/tcp/" + h2.address() + "/22 && head -c 7 <&3'");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("SSH-2.0", r.stdout());
    }

    @Test
    void systemctlStandInStartsAndStopsAUnitWithDropInsAndEnvironmentFiles() {
        TestHost h = testbed.host(2);
        String unit = "/etc/systemd/system/kf-dummy.service";
        try {
            ExecResult setup = testbed.exec(h, String.join("\n",
                    "set -e",
                    "cat > " + unit + " <<'EOF'",
                    "[Unit]",
                    "Description=testbed dummy",
                    "[Service]",
                    "Environment=\"GREETING=hello world\"",
                    "ExecStart=/bin/sh -c 'echo never'",
                    "Restart=always",
                    "[Install]",
                    "WantedBy=multi-user.target",
                    "EOF",
                    "mkdir -p " + unit + ".d",
                    "echo 'WHO=dropin' > /tmp/kf-dummy.env",
                    "cat > " + unit + ".d/10-override.conf <<'EOF'",
                    "[Service]",
                    "EnvironmentFile=/tmp/kf-dummy.env",
                    "EnvironmentFile=-/nonexistent/optional.env",
                    "ExecStartPre=/bin/sh -c 'echo pre > /tmp/kf-dummy.pre'",
                    "ExecStart=",
                    "ExecStart=/bin/sh -c 'echo \"started ${GREETING} $WHO\"; exec sleep 1000'",
                    "EOF",
                    "systemctl daemon-reload",
                    "systemctl enable --now kf-dummy"));
            assertEquals(0, setup.exitCode(), setup.stdout() + setup.stderr());

            ExecResult active = testbed.exec(h, "systemctl is-active kf-dummy; systemctl is-enabled kf-dummy; "
                    + "cat /tmp/kf-dummy.pre; sleep 0.3; journalctl -u kf-dummy | grep '^started' | tail -n 1; "
                    + "pid=$(systemctl show -p MainPID --value kf-dummy); tr '\\0' ' ' < /proc/$pid/cmdline");
            assertEquals(0, active.exitCode(), active.stderr());
            assertEquals("active\nenabled\npre\nstarted hello world dropin\nsleep 1000 ", active.stdout());

            ExecResult stopped = testbed.exec(h, "pid=$(systemctl show -p MainPID --value kf-dummy); "
                    + "systemctl stop kf-dummy; systemctl is-active kf-dummy; echo rc=$?; "
                    + "test -d /proc/$pid && echo still-running || echo gone");
            assertEquals("inactive\nrc=3\ngone\n", stopped.stdout(), stopped.stderr());
        } finally {
            testbed.exec(h, "systemctl disable --now kf-dummy; rm -rf " + unit + " " + unit + ".d "
                    + "/tmp/kf-dummy.env /tmp/kf-dummy.pre /var/log/systemctl-standin/kf-dummy.service.log");
        }
    }

    @Test
    void realContainerdStartedByTheStandInRunsAContainerFromAnImportedOciArchive(@TempDir Path tmp) throws Exception {
        TestHost h = testbed.host(1);
        Path image = tmp.resolve("busybox-oci.tar");
        Process build = new ProcessBuilder("bash", Testbed.script().resolveSibling("oci/make-busybox-image.sh").toString(),
                image.toString(), "docker.io/kubeferry/busybox:testbed-test").redirectErrorStream(true).start();
        String buildOut = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, build.waitFor(), buildOut);
        // leave containerd as we found it (another module's test may have started it)
        boolean wasActive = testbed.exec(h, "systemctl is-active --quiet containerd").exitCode() == 0;
        // a unique container id: a leftover of a crashed run on a reused testbed cannot collide with it
        String id = "kf-testbed-test-" + Long.toHexString(System.nanoTime()) + "-" + ProcessHandle.current().pid();
        try {
            testbed.copyTo(h, image, "/tmp/busybox-oci.tar");
            ExecResult r = testbed.exec(h, String.join("\n",
                    "set -e",
                    "systemctl start containerd",
                    // up to 30 s: containerd's first start is slow on a loaded 2-core CI machine
                    "for i in $(seq 300); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done",
                    "ctr version >/dev/null || { echo 'containerd not ready after 30 s' >&2; exit 1; }",
                    "ctr -n k8s.io images import /tmp/busybox-oci.tar >/dev/null",
                    "ctr -n k8s.io run --rm docker.io/kubeferry/busybox:testbed-test " + id + " "
                            + "sh -c 'echo in-container; hostname'"), Duration.ofMinutes(2));
            assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
            assertEquals("in-container\n" + h.name() + "\n", r.stdout());
        } finally {
            testbed.exec(h, "ctr -n k8s.io tasks rm -f " + id + " >/dev/null 2>&1; ctr -n k8s.io containers rm " + id
                    + " >/dev/null 2>&1; ctr -n k8s.io images rm docker.io/kubeferry/busybox:testbed-test >/dev/null 2>&1; "
                    + (wasActive ? "" : "systemctl stop containerd; ") + "rm -f /tmp/busybox-oci.tar");
        }
    }

    @Test
    void stoppedSshdRefusesConnectionsUntilStartedAgain() throws IOException {
        TestHost h = testbed.host(3);
        try {
            testbed.stopSsh(h);
            assertThrows(ConnectException.class, () -> banner(h));
        } finally {
            testbed.startSsh(h);
        }
        assertTrue(banner(h).startsWith("SSH-2.0-OpenSSH"));
    }

    @Test
    void shapingIsAppliedAndRemoved() {
        TestHost h = testbed.host(3);
        try {
            testbed.shape(h, "10mbit");
            ExecResult r = testbed.exec(h, "tc qdisc show dev eth0");
            assertTrue(r.stdout().contains("tbf") && r.stdout().contains("10Mbit"), r.stdout());
        } finally {
            testbed.shape(h, null);
        }
        assertTrue(!testbed.exec(h, "tc qdisc show dev eth0").stdout().contains("tbf"));
    }

    @Test
    void deletingDevNullInsideAHostLeavesTheMachinesDevNullIntact() throws IOException {
        TestHost h = testbed.host(1);
        ExecResult r = testbed.exec(h, "rm -f /dev/null && test ! -e /dev/null && mknod -m 666 /dev/null c 1 3 "
                + "&& test -c /dev/null && echo recreated");
        assertEquals("recreated\n", r.stdout(), r.stderr());
        assertCharDevice(Path.of("/dev/null"));
        ExecResult devMount = testbed.exec(h, "findmnt -n -o FSTYPE /dev");
        assertEquals("tmpfs\n", devMount.stdout(), "a host's /dev is its own tmpfs, never the machine's devtmpfs");
    }

    private static void assertCharDevice(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode");
        assertEquals(0020000, mode & 0170000, p + " must be a character device");
    }

    private static String banner(TestHost h) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(h.address(), h.sshPort()), 3000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                sb.append((char) c);
            }
            return sb.toString().strip();
        }
    }
}
