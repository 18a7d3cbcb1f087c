package io.kubeferry.cli;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The preflight judgement ({@code installer check}, the same judgement apply's preflight makes) over real SSH, each
 * condition made real on test hosts: the same MAC address set on an interface of two hosts, a hostname another
 * host has and one that is no valid node name, a CRI-O socket, a packaged kubelet of another version, an unknown
 * binary at Kubeferry's kubelet path, losetup missing. Every host is named with its errors; with the conditions
 * taken away the same hosts pass.
 */
class PreflightIT {
    private static final String MAC = "02:4b:46:00:00:01";
    static Testbed testbed;

    @TempDir
    Path dir;

    @BeforeAll
    static void up() {
        testbed = Testbed.shared(3);
    }

    private Path inventory() throws Exception {
        TestHost h1 = testbed.host(1), h2 = testbed.host(2), h3 = testbed.host(3);
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster: {name: it, kubernetesVersion: 1.33.2, controlPlaneEndpoint: {mode: local-proxy}}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: %s, address: %s, roles: [control-plane]}
                  - {name: %s, address: %s, roles: [worker], ssh: {user: kfnopass}}
                  - {name: %s, address: %s, roles: [worker]}
                """.formatted(testbed.privateKey(), testbed.knownHosts(), h1.name(), h1.address(), h2.name(), h2.address(),
                h3.name(), h3.address()));
        return inv;
    }

    @Test
    void namesEveryHostWithItsErrorsAndPassesOnceTheyAreGone() throws Exception {
        TestHost h1 = testbed.host(1), h2 = testbed.host(2), h3 = testbed.host(3);
        Path inv = inventory();
        for (int i = 1; i <= 3; i++) { // a kubelet another test left is kept aside, not overwritten
            exec(testbed.host(i), "for k in /usr/bin/kubelet /usr/local/bin/kubelet; do if [ -e $k ]; then mv $k $k.kf-aside; fi; done");
        }
        try {
            for (TestHost h : new TestHost[]{h2, h3}) {
                exec(h, "ip link add kfdup0 type veth peer name kfdup1 && ip link set kfdup0 address " + MAC);
            }
            exec(h1, "hostname KF-H1");
            exec(h3, "hostname " + h2.name());
            exec(h2, "mkdir -p /run/crio && python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('/run/crio/crio.sock')\"");
            exec(h2, "printf '#!/bin/sh\\necho Kubernetes v1.29.3\\n' > /usr/bin/kubelet && chmod 755 /usr/bin/kubelet");
            exec(h3, "printf '#!/bin/sh\\nexit 1\\n' > /usr/local/bin/kubelet && chmod 755 /usr/local/bin/kubelet");
            exec(h3, "mv /usr/sbin/losetup /usr/sbin/losetup.kf-hidden");

            String[] r = MainTest.run("check", "-i", inv.toString());
            String out = r[1];
            assertEquals("3", r[0], out);
            assertTrue(out.contains("hosts are not ready for Kubernetes:"), out);
            for (TestHost h : new TestHost[]{h2, h3}) {
                TestHost other = h == h2 ? h3 : h2;
                assertTrue(out.contains("host " + h.name() + ": MAC address " + MAC + " of kfdup0 is also on " + other.name()), out);
            }
            assertFalse(out.contains("of kfdup1"), "a random MAC (the veth's peer) is no clone's:\n" + out);
            assertTrue(out.contains("host " + h2.name() + ": another container runtime is here (socket /run/crio/crio.sock)"), out);
            assertTrue(out.contains("host " + h2.name() + ": a kubelet not installed by Kubeferry at /usr/bin/kubelet (reports"
                    + " 'Kubernetes v1.29.3'; the bundle brings v1.33.2)"), out);
            assertTrue(out.contains("host " + h3.name() + ": an unknown kubelet binary at /usr/local/bin/kubelet (does not say"
                    + " its version"), out);
            assertTrue(out.contains("host " + h3.name() + ": losetup not found on systemd's PATH"), out);
            assertFalse(out.contains("host " + h1.name() + ":"), "kf-h1 has warnings only:\n" + out);
            // warnings: a duplicate and an invalid hostname
            assertTrue(out.contains(h2.name() + ": hostname '" + h2.name() + "' is also the hostname of " + h3.name()), out);
            assertTrue(out.contains(h3.name() + ": hostname '" + h2.name() + "' is also the hostname of " + h2.name()), out);
            assertTrue(out.contains(h1.name() + ": hostname 'KF-H1' is not a valid node name"), out);
            // this machine has no DMI; one with it would give every test host the same product_uuid
            assertTrue(out.contains("/sys/class/dmi/id/product_uuid cannot be read on " + h1.name() + ", " + h2.name() + ", " + h3.name())
                    || out.contains("is also the product_uuid of"), out);
        } finally {
            cleanUp();
        }
        String[] r = MainTest.run("check", "-i", inv.toString());
        assertEquals("0", r[0], r[1]);
        assertFalse(r[1].contains("MAC address") || r[1].contains("container runtime") || r[1].contains("kubelet")
                || r[1].contains("losetup") || r[1].contains("hostname"), r[1]);
    }

    private static void cleanUp() {
        for (int i = 1; i <= 3; i++) {
            TestHost h = testbed.host(i);
            testbed.exec(h, "ip link del kfdup0 2>/dev/null; hostname " + h.name() + "; rm -rf /run/crio /usr/bin/kubelet"
                    + " /usr/local/bin/kubelet; if [ -e /usr/sbin/losetup.kf-hidden ]; then mv /usr/sbin/losetup.kf-hidden /usr/sbin/losetup; fi;"
                    + " for k in /usr/bin/kubelet /usr/local/bin/kubelet; do if [ -e $k.kf-aside ]; then mv $k.kf-aside $k; fi; done");
        }
    }

    private static void exec(TestHost h, String cmd) {
        var r = testbed.exec(h, cmd);
        assertEquals(0, r.exitCode(), h.name() + ": " + cmd + ": " + r.stderr());
    }
}
