package io.kubeferry.cli;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `installer certs renew`: re-sign locally, push to the hosts that hold the files, over real SSH. */
class CertsRenewIT {
    static Testbed testbed;

    @TempDir
    Path dir;

    @BeforeAll
    static void up() {
        testbed = Testbed.shared(2);
    }

    @AfterEach
    void cleanHosts() {
        for (int i = 1; i <= 2; i++) {
            testbed.exec(testbed.host(i), "rm -rf /etc/kubernetes");
        }
    }

    private String sha(TestHost h, String path) {
        var r = testbed.exec(h, "sha256sum " + path);
        assertEquals(0, r.exitCode(), r.stderr());
        return r.stdout().split(" ")[0];
    }

    private static String localSha(Path p) throws Exception {
        var md = java.security.MessageDigest.getInstance("SHA-256");
        return java.util.HexFormat.of().formatHex(md.digest(Files.readAllBytes(p)));
    }

    @Test
    void renewPushesOnlyToHostsThatHoldTheFile() throws Exception {
        TestHost cp = testbed.host(1), worker = testbed.host(2);
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster: {name: renew, kubernetesVersion: 1.34.1, certificates: {keyAlgorithm: ECDSA-P256}}
                ssh: {privateKeyFile: %s, knownHostsFile: %s}
                hosts:
                  - {name: %s, address: %s, roles: [control-plane]}
                  - {name: %s, address: %s, roles: [worker]}
                """.formatted(testbed.privateKey(), testbed.knownHosts(), cp.name(), cp.address(), worker.name(), worker.address()));
        assertEquals("0", MainTest.run("certs", "generate", "-i", inv.toString())[0]);
        Path pki = dir.resolve(".kubeferry/renew/pki");

        String[] dry = MainTest.run("certs", "renew", "apiserver", "--dry-run", "-i", inv.toString());
        assertEquals("0", dry[0], dry[1]);
        assertTrue(dry[1].contains("re-sign apiserver with its CA"), dry[1]);
        assertFalse(testbed.exec(cp, "test -e /etc/kubernetes/pki/apiserver.crt").ok(), "a dry run wrote to a host");

        String[] r = MainTest.run("certs", "renew", "apiserver", "-i", inv.toString());
        assertEquals("0", r[0], r[1]);
        Path apiserverCrt = Files.walk(pki).filter(p -> p.getFileName().toString().equals("apiserver.crt")).findFirst().orElseThrow();
        assertEquals(localSha(apiserverCrt), sha(cp, "/etc/kubernetes/pki/apiserver.crt"));
        assertEquals("600", testbed.exec(cp, "stat -c %a /etc/kubernetes/pki/apiserver.key").stdout().strip());
        assertFalse(testbed.exec(worker, "test -e /etc/kubernetes/pki/apiserver.crt").ok(), "the worker got the apiserver cert");
        assertTrue(r[1].lines().anyMatch(l -> l.contains(cp.name()) && l.contains("ok")), r[1]);
    }
}
