package io.kubeferry.cli;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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

    /** Before too: the testbed is reused across runs, and a crashed run may have left files. */
    @BeforeEach
    @AfterEach
    void cleanHosts() {
        for (int i = 1; i <= 2; i++) {
            testbed.exec(testbed.host(i), "systemctl disable --now kubelet >/dev/null 2>&1;"
                    + " rm -rf /etc/kubernetes /etc/systemd/system/kubelet.service /var/log/kubelet-standin.log");
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

    private Path inventory() throws Exception {
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
        return inv;
    }

    @Test
    void renewPushesOnlyToHostsThatHoldTheFile() throws Exception {
        TestHost cp = testbed.host(1), worker = testbed.host(2);
        Path inv = inventory();
        Path pki = dir.resolve(".kubeferry/renew/pki");

        String[] dry = MainTest.run("certs", "renew", "apiserver", "--dry-run", "-i", inv.toString());
        assertEquals("0", dry[0], dry[1]);
        assertTrue(dry[1].contains("re-sign apiserver with its CA"), dry[1]);
        assertTrue(dry[1].contains("rewrite /etc/kubernetes/pki/apiserver.crt (re-signed)"), dry[1]);
        String workerSection = dry[1].substring(dry[1].indexOf("  " + worker.name() + ":"));
        assertFalse(workerSection.contains("apiserver.crt"), "the worker holds no apiserver certificate:\n" + dry[1]);
        assertFalse(testbed.exec(cp, "test -e /etc/kubernetes/pki/apiserver.crt").ok(), "a dry run wrote to a host");

        String[] r = MainTest.run("certs", "renew", "apiserver", "-i", inv.toString());
        assertEquals("0", r[0], r[1]);
        Path apiserverCrt = Files.walk(pki).filter(p -> p.getFileName().toString().equals("apiserver.crt")).findFirst().orElseThrow();
        assertEquals(localSha(apiserverCrt), sha(cp, "/etc/kubernetes/pki/apiserver.crt"));
        assertEquals("600", testbed.exec(cp, "stat -c %a /etc/kubernetes/pki/apiserver.key").stdout().strip());
        assertFalse(testbed.exec(worker, "test -e /etc/kubernetes/pki/apiserver.crt").ok(), "the worker got the apiserver cert");
        assertTrue(r[1].lines().anyMatch(l -> l.contains(cp.name()) && l.contains("ok")), r[1]);
    }

    /**
     * A renewed kubelet.conf restarts the kubelet. The kubelet here is a STAND-IN (a shell loop under the
     * testbed's systemctl stand-in): no Kubernetes binaries on this machine. What is tested is that the renewal
     * restarts the unit that reads the file, and only on the host whose file changed.
     */
    @Test
    void renewedKubeletConfRestartsTheKubelet() throws Exception {
        TestHost worker = testbed.host(2);
        Path inv = inventory();
        // first push: the worker gets its kubelet.conf, then its (stand-in) kubelet starts
        assertEquals("0", MainTest.run("certs", "renew", "kubelet.conf", "-i", inv.toString())[0]);
        String unit = """
                [Unit]
                Description=kubelet STAND-IN (no Kubernetes binaries on this machine)
                [Service]
                ExecStart=/bin/sh -c 'echo started >> /var/log/kubelet-standin.log; exec sleep 100000'
                [Install]
                WantedBy=multi-user.target
                """;
        var installed = testbed.exec(worker, "cat > /etc/systemd/system/kubelet.service <<'UNIT'\n" + unit + "UNIT\n"
                + "systemctl daemon-reload && systemctl enable --now kubelet");
        assertEquals(0, installed.exitCode(), installed.stderr());
        assertEquals(1, starts(worker));
        String[] r = MainTest.run("certs", "renew", "kubelet.conf", "-i", inv.toString());
        assertEquals("0", r[0], r[1]);
        assertEquals(2, starts(worker), "the kubelet was not restarted after its kubelet.conf changed:\n" + r[1]);
        assertTrue(testbed.exec(worker, "systemctl is-active kubelet").ok());
    }

    private int starts(TestHost h) {
        var r = testbed.exec(h, "for i in $(seq 50); do [ -s /var/log/kubelet-standin.log ] && break; sleep 0.1; done;"
                + " cat /var/log/kubelet-standin.log 2>/dev/null");
        return (int) r.stdout().lines().filter(l -> l.equals("started")).count();
    }
}
