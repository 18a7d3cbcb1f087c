package io.kubeferry.cli;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `installer check` end to end against three real sshd hosts of the test datacenter. */
class CheckCommandIT {
    static Testbed testbed;

    @TempDir
    Path dir;

    @BeforeAll
    static void up() {
        testbed = Testbed.shared(3);
    }

    private Path inventory(String thirdHostSsh) throws Exception {
        TestHost h1 = testbed.host(1), h2 = testbed.host(2), h3 = testbed.host(3);
        Path pw = dir.resolve("password");
        Files.writeString(pw, testbed.password() + "\n");
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster: {name: it, kubernetesVersion: 1.33.2, controlPlaneEndpoint: {mode: local-proxy}}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: %s, address: %s, roles: [control-plane]}
                  - {name: %s, address: %s, roles: [worker], ssh: {user: kfnopass}}
                  - {name: %s, address: %s, roles: [worker], ssh: %s}
                """.formatted(testbed.privateKey(), testbed.knownHosts(), h1.name(), h1.address(), h2.name(), h2.address(),
                h3.name(), h3.address(), thirdHostSsh.replace("PWFILE", pw.toString())));
        return inv;
    }

    @Test
    void checkPrintsEveryHostsFactsThroughKeyPasswordAndSudo() throws Exception {
        Path inv = inventory("{user: kfuser, password: '${file:PWFILE}', sudo: password}");
        String[] r = MainTest.run("check", "-i", inv.toString());
        assertEquals("0", r[0], r[1]);
        for (int i = 1; i <= 3; i++) {
            TestHost h = testbed.host(i);
            assertTrue(r[1].lines().anyMatch(l -> l.contains(h.name()) && l.contains(h.address()) && l.contains("amd64")),
                    "facts row for " + h.name() + " missing:\n" + r[1]);
        }
        assertTrue(r[1].contains("==> Gather facts"));
        assertFalse(r[1].contains(testbed.password()), "the sudo password leaked");
    }

    @Test
    void anUnreachableHostFailsTheRunNamingItAndOthersStillAnswer() throws Exception {
        TestHost h3 = testbed.host(3);
        Path inv = inventory("{user: root}");
        testbed.stopSsh(h3);
        try {
            long start = System.nanoTime();
            String[] r = MainTest.run("check", "-i", inv.toString());
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertEquals("1", r[0], r[1]);
            assertTrue(r[1].contains("phase 'Connect to hosts' failed on 1 host"), r[1]);
            assertTrue(r[1].lines().anyMatch(l -> l.contains(h3.name()) && l.contains("FAILED")), r[1]);
            assertTrue(r[1].lines().anyMatch(l -> l.contains(testbed.host(1).name()) && l.contains("ok")), r[1]);
            for (int i = 1; i <= 2; i++) {
                TestHost healthy = testbed.host(i);
                assertTrue(r[1].lines().anyMatch(l -> l.contains(healthy.name()) && l.contains(healthy.address())
                        && l.contains("amd64")), "the healthy hosts' facts are still shown:\n" + r[1]);
            }
            assertTrue(r[1].lines().anyMatch(l -> l.contains(h3.name()) && l.contains("no facts")), r[1]);
            assertTrue(seconds < 30, "took " + seconds + "s with a 5s connect timeout");
        } finally {
            testbed.startSsh(h3);
        }
    }

    @Test
    void aWrongPasswordIsAHostFailureAndNeverPrinted() throws Exception {
        TestHost h = testbed.host(2);
        Path inv = dir.resolve("wrong-password.yaml");
        Files.writeString(inv, """
                cluster: {kubernetesVersion: 1.34.0}
                ssh: {user: kfuser, password: not-the-Password-77, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: %s, address: %s, roles: [control-plane]}
                """.formatted(testbed.knownHosts(), h.name(), h.address()));
        String[] r = MainTest.run("phase", "connect", "-i", inv.toString());
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].lines().anyMatch(l -> l.contains(h.name()) && l.toLowerCase().contains("auth")), r[1]);
        assertFalse(r[1].contains("not-the-Password-77"), "password leaked:\n" + r[1]);
    }
}
