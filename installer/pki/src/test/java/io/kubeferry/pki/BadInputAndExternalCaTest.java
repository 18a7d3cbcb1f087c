package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.ExitCode;
import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** User-supplied CAs (made with openssl, as a user would) and every way they can be wrong. */
class BadInputAndExternalCaTest {
    @TempDir
    Path dir;
    Inventory inv;
    Path pki;

    @BeforeEach
    void setUp() throws Exception {
        inv = TestClusters.inventory(dir, 2, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        pki = inv.stateDir().resolve("pki");
        Files.createDirectories(pki.resolve("etcd"));
    }

    /** A CA made by openssl: key and self-signed certificate with CA:TRUE (or not). */
    private void opensslCa(String base, String cn, boolean caFlag) {
        Path key = pki.resolve(base + ".key");
        Path crt = pki.resolve(base + ".crt");
        Cmd.ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        Cmd.ok("openssl", "req", "-x509", "-new", "-key", key.toString(), "-out", crt.toString(), "-days", "3650",
                "-subj", "/CN=" + cn, "-addext", caFlag ? "basicConstraints=critical,CA:TRUE" : "basicConstraints=critical,CA:FALSE",
                "-addext", caFlag ? "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" : "keyUsage=critical,digitalSignature");
    }

    private BadInputException expectBadInput(PkiService service) {
        Map<String, byte[]> before = TestClusters.snapshot(pki);
        BadInputException e = assertThrows(BadInputException.class, () -> service.generate(inv));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertEquals(List.of(), TestClusters.diff(before, TestClusters.snapshot(pki)), "something was written");
        return e;
    }

    private static boolean has(BadInputException e, Path where, String text) {
        return e.problems().stream().anyMatch(p -> p.severity() == Problem.Severity.ERROR
                && p.where().equals(where.toString()) && p.message().contains(text));
    }

    @Test
    void unreadableUserCa() throws Exception {
        opensslCa("ca", "my-root", true);
        Files.writeString(pki.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
        BadInputException e = expectBadInput(new PkiService());
        assertTrue(has(e, pki.resolve("ca.crt"), "cannot read the ca certificate"), e.getMessage());
    }

    @Test
    void mismatchedUserCaKey() {
        opensslCa("ca", "my-root", true);
        opensslCa("front-proxy-ca", "other", true);
        // swap in another CA's key
        Cmd.ok("cp", pki.resolve("front-proxy-ca.key").toString(), pki.resolve("ca.key").toString());
        Cmd.ok("rm", pki.resolve("front-proxy-ca.key").toString(), pki.resolve("front-proxy-ca.crt").toString());
        BadInputException e = expectBadInput(new PkiService());
        assertTrue(has(e, pki.resolve("ca.key"), "does not belong to " + pki.resolve("ca.crt")), e.getMessage());
    }

    @Test
    void certificateWithoutTheCaFlag() {
        opensslCa("etcd/ca", "not-a-ca", false);
        BadInputException e = expectBadInput(new PkiService());
        assertTrue(has(e, pki.resolve("etcd/ca.crt"), "is not a CA certificate (BasicConstraints CA flag not set)"),
                e.getMessage());
    }

    @Test
    void expiredCa() {
        Instant t0 = Instant.now();
        new PkiService(Clock.fixed(t0, ZoneOffset.UTC)).generate(inv);
        BadInputException e = expectBadInput(new PkiService(Clock.fixed(t0.plus(Duration.ofDays(3660)), ZoneOffset.UTC)));
        assertTrue(has(e, pki.resolve("ca.crt"), "the ca expired on"), e.getMessage());
        assertTrue(has(e, pki.resolve("etcd/ca.crt"), "the etcd-ca expired on"), e.getMessage());
    }

    @Test
    void caKeyWithoutCertificate() throws Exception {
        opensslCa("front-proxy-ca", "fp", true);
        Files.delete(pki.resolve("front-proxy-ca.crt"));
        BadInputException e = expectBadInput(new PkiService());
        assertTrue(has(e, pki.resolve("front-proxy-ca.key"), "a CA key without its certificate"), e.getMessage());
    }

    @Test
    void externalCaWithMissingLeavesNamesEachMissingFile() throws Exception {
        opensslCa("ca", "my-root", true);
        Files.delete(pki.resolve("ca.key"));
        BadInputException e = expectBadInput(new PkiService());
        for (String missing : List.of("hosts/cp1/apiserver.crt", "hosts/cp2/apiserver.crt",
                "hosts/cp1/apiserver-kubelet-client.crt", "hosts/cp2/apiserver-kubelet-client.crt",
                "admin.conf", "super-admin.conf", "hosts/cp1/controller-manager.conf", "hosts/cp2/scheduler.conf",
                "hosts/cp1/kubelet.conf", "hosts/w1/kubelet.conf")) {
            assertTrue(has(e, pki.resolve(missing), "missing: with an external ca"), missing + " not named in\n" + e.getMessage());
        }
        // leaves of the other CAs are not the user's business: not listed
        assertFalse(e.getMessage().contains("front-proxy-client"), e.getMessage());
        assertFalse(Files.exists(pki.resolve("front-proxy-ca.crt")));
    }

    @Test
    void externalCaWithEveryLeafSuppliedIsUsedAndNeverWritten() throws Exception {
        PkiService service = new PkiService();
        service.generate(inv);
        Files.delete(pki.resolve("ca.key"));
        Map<String, byte[]> before = TestClusters.snapshot(pki);
        PkiReport r = service.generate(inv);
        assertEquals(List.of(), TestClusters.diff(before, TestClusters.snapshot(pki)));
        assertEquals(1 + 2 + 2 + 2 + 2 + 2 + 3, r.with(PkiReport.Action.EXTERNAL).size(), r.entries().toString());
        // no CA key to ship; everything else as usual
        List<String> cp1 = service.filesFor(inv, inv.host("cp1").orElseThrow()).stream().map(io.kubeferry.host.HostFile::path).toList();
        assertFalse(cp1.contains("/etc/kubernetes/pki/ca.key"));
        assertTrue(cp1.contains("/etc/kubernetes/pki/front-proxy-ca.key"));
        assertTrue(cp1.contains("/etc/kubernetes/pki/apiserver.crt"));
        // renewing what the external CA signed is refused with a clear message
        BadInputException renew = assertThrows(BadInputException.class, () -> service.renew(inv, "apiserver"));
        assertTrue(renew.getMessage().contains("external ca"), renew.getMessage());
        // 'renew all' renews what Kubeferry's own CAs signed and warns about the rest
        Map<String, byte[]> beforeRenew = TestClusters.snapshot(pki);
        PkiReport all = service.renew(inv, "all");
        List<String> renewed = new java.util.ArrayList<>();
        for (String host : List.of("cp1", "cp2")) {
            for (String leaf : List.of("apiserver-etcd-client", "etcd/healthcheck-client", "etcd/peer", "etcd/server",
                    "front-proxy-client")) {
                renewed.add("hosts/" + host + "/" + leaf + ".crt");
                renewed.add("hosts/" + host + "/" + leaf + ".key");
            }
        }
        assertEquals(renewed,
                TestClusters.diff(beforeRenew, TestClusters.snapshot(pki)));
        assertEquals(13, all.warnings().stream().filter(p -> p.message().contains("external ca")).count(), all.warnings().toString());

        Files.delete(pki.resolve("hosts/cp2/apiserver.crt"));
        BadInputException e = expectBadInput(service);
        assertTrue(has(e, pki.resolve("hosts/cp2/apiserver.crt"), "apiserver (cp2)"), e.getMessage());
        assertEquals(1, e.problems().stream().filter(p -> p.severity() == Problem.Severity.ERROR).count(), e.getMessage());
    }

    @Test
    void externalLeafSignedByAnotherCaIsRefused() throws Exception {
        PkiService service = new PkiService();
        service.generate(inv);
        Files.delete(pki.resolve("ca.key"));
        // the user drops in an apiserver-kubelet-client signed by the front-proxy CA by mistake
        Cmd.ok("cp", pki.resolve("hosts/cp2/front-proxy-client.crt").toString(), pki.resolve("hosts/cp2/apiserver-kubelet-client.crt").toString());
        Cmd.ok("cp", pki.resolve("hosts/cp2/front-proxy-client.key").toString(), pki.resolve("hosts/cp2/apiserver-kubelet-client.key").toString());
        BadInputException e = expectBadInput(service);
        assertTrue(has(e, pki.resolve("hosts/cp2/apiserver-kubelet-client.crt"), "not signed by the current ca"), e.getMessage());
    }

    @Test
    void userCaWithKeyIsUsedAndNeverOverwritten() throws Exception {
        opensslCa("ca", "my-company-root", true);
        opensslCa("etcd/ca", "my-etcd-root", true);
        byte[] ca = Files.readAllBytes(pki.resolve("ca.crt"));
        byte[] caKey = Files.readAllBytes(pki.resolve("ca.key"));
        Files.setPosixFilePermissions(pki, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(pki.resolve("ca.key"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        PkiReport r = new PkiService().generate(inv);
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(pki)));
        assertTrue(r.warnings().stream().anyMatch(p -> p.where().equals(pki.resolve("ca.key").toString())
                && p.message().contains("chmod 600")), r.warnings().toString());
        assertTrue(java.util.Arrays.equals(ca, Files.readAllBytes(pki.resolve("ca.crt"))));
        assertTrue(java.util.Arrays.equals(caKey, Files.readAllBytes(pki.resolve("ca.key"))));
        assertEquals(PkiReport.Action.KEPT, r.entries().get(0).action());
        for (String leaf : List.of("hosts/cp1/apiserver.crt", "hosts/cp1/apiserver-kubelet-client.crt")) {
            assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", pki.resolve("ca.crt").toString(),
                    pki.resolve(leaf).toString()).exitCode(), leaf);
            assertTrue(Cmd.ok("openssl", "x509", "-in", pki.resolve(leaf).toString(), "-noout", "-issuer")
                    .contains("my-company-root"));
        }
        assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", pki.resolve("etcd/ca.crt").toString(),
                pki.resolve("hosts/cp1/etcd/server.crt").toString()).exitCode());
        // the front-proxy CA was not supplied: Kubeferry made it
        assertTrue(Cmd.ok("openssl", "x509", "-in", pki.resolve("front-proxy-ca.crt").toString(), "-noout", "-subject")
                .contains("front-proxy-ca"));
    }

    @Test
    void userServiceAccountKeyFromOpensslIsKeptAndItsPublicHalfWritten() throws Exception {
        for (String alg : List.of("RSA", "EC")) {
            Path saKey = pki.resolve("sa.key");
            Files.deleteIfExists(pki.resolve("sa.pub"));
            if (alg.equals("RSA")) {
                Cmd.ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", saKey.toString());
            } else {
                Cmd.ok("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", saKey.toString());
            }
            byte[] key = Files.readAllBytes(saKey);
            assertTrue(new String(key).startsWith("-----BEGIN PRIVATE KEY-----"), "openssl writes PKCS#8");
            new PkiService().generate(inv);
            assertTrue(java.util.Arrays.equals(key, Files.readAllBytes(saKey)), alg + ": sa.key was rewritten");
            assertEquals(Cmd.ok("openssl", "pkey", "-in", saKey.toString(), "-pubout"),
                    Files.readString(pki.resolve("sa.pub")), alg);
        }
    }

    @Test
    void unreadableServiceAccountKeyIsBadInput() throws Exception {
        Files.writeString(pki.resolve("sa.key"), "garbage");
        BadInputException e = expectBadInput(new PkiService());
        assertTrue(has(e, pki.resolve("sa.key"), "cannot read the service-account key"), e.getMessage());
    }

    @Test
    void badHostNameCannotEscapeTheStateDirectory() {
        Inventory evil = TestClusters.withHosts(inv, List.of(TestClusters.controlPlane("../../etc", "10.250.0.11")));
        // the inventory loader refuses such a name, located; the PKI guards the state directory all the same
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new PkiService().generate(evil));
        assertTrue(e.getMessage().contains("cannot name certificate files"), e.getMessage());
        assertFalse(java.nio.file.Files.exists(inv.stateDir().resolve("pki/ca.crt")), "nothing written");
    }
}
