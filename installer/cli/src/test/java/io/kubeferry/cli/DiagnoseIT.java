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
 * `installer diagnose` on a test host: each cause is made real on the host (a STAND-IN `getenforce` that says
 * Enforcing, since the test machine has no SELinux; a kubelet config and a containerd config whose cgroup
 * drivers differ; no kubelet running) and must be named with its evidence. A healthy-looking host is not blamed.
 */
class DiagnoseIT {
    static Testbed testbed;

    @TempDir
    Path dir;

    @BeforeAll
    static void up() {
        testbed = Testbed.shared(3);
    }

    private Path inventory() throws Exception {
        TestHost h1 = testbed.host(1), h2 = testbed.host(2);
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster: {name: it, kubernetesVersion: 1.33.2}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: %s, address: %s, roles: [control-plane]}
                  - {name: %s, address: %s, roles: [worker], ssh: {user: kfnopass}}
                """.formatted(testbed.privateKey(), testbed.knownHosts(), h1.name(), h1.address(), h2.name(), h2.address()));
        return inv;
    }

    @Test
    void namesSelinuxCgroupMismatchAndAStoppedKubeletWithEvidence() throws Exception {
        TestHost h2 = testbed.host(2);
        Path inv = inventory();
        try {
            exec(h2, "printf '#!/bin/sh\\necho Enforcing\\n' > /usr/local/bin/getenforce && chmod 755 /usr/local/bin/getenforce");
            exec(h2, "mkdir -p /var/lib/kubelet /etc/containerd && printf 'kind: KubeletConfiguration\\ncgroupDriver: cgroupfs\\n'"
                    + " > /var/lib/kubelet/config.yaml && printf '[plugins]\\n  SystemdCgroup = true\\n' > /etc/containerd/config.toml");
            String[] r = MainTest.run("diagnose", "-i", inv.toString(), "--host", h2.name());
            assertEquals("1", r[0], r[1]);
            assertTrue(r[1].contains("SELinux is enforcing"), r[1]);
            assertTrue(r[1].contains("cgroup driver mismatch: the kubelet uses cgroupfs") && r[1].contains("SystemdCgroup = true"), r[1]);
            assertTrue(r[1].contains("the kubelet is not running"), r[1]);
            assertFalse(r[1].contains(testbed.host(1).name() + ":"), "only --host was diagnosed:\n" + r[1]);

            // the same host with the causes taken away: SELinux permissive, drivers agreeing; only the kubelet is left
            exec(h2, "rm -f /usr/local/bin/getenforce && sed -i 's/cgroupfs/systemd/' /var/lib/kubelet/config.yaml");
            r = MainTest.run("diagnose", "-i", inv.toString(), "--host", h2.name());
            assertFalse(r[1].contains("SELinux is enforcing"), r[1]);
            assertFalse(r[1].contains("cgroup driver mismatch"), r[1]);
            assertTrue(r[1].contains("the kubelet is not running"), r[1]);
        } finally {
            exec(h2, "rm -f /usr/local/bin/getenforce /var/lib/kubelet/config.yaml /etc/containerd/config.toml");
        }
    }

    @Test
    void anUnknownHostIsBadInput() throws Exception {
        String[] r = MainTest.run("diagnose", "-i", inventory().toString(), "--host", "nosuch");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("no node named 'nosuch'"), r[1]);
    }

    private static void exec(TestHost h, String cmd) throws Exception {
        var r = testbed.exec(h, cmd);
        assertEquals(0, r.exitCode(), cmd + ": " + r.stderr());
    }
}
