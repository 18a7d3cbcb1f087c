package io.kubeferry.inventory;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code cluster.etcd.mode}: who the members are in each mode, and the external etcd's files checked at load
 * against real PEM files made by openssl (PKCS#1 RSA, SEC1 EC and PKCS#8 keys, a foreign CA, an encrypted key).
 */
class EtcdModesTest {
    @TempDir
    static Path pki;

    @BeforeAll
    static void makePki() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=etcd-ca");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt",
                "-days", "2", "-subj", "/CN=other-ca");
        // SEC1 EC key ("EC PRIVATE KEY") and a traditional RSA key ("RSA PRIVATE KEY"), as older tools write them
        openssl("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", "client-ec.key");
        openssl("genrsa", "-traditional", "-out", "client-rsa.key", "2048");
        for (String k : List.of("ec", "rsa")) {
            openssl("req", "-new", "-key", "client-" + k + ".key", "-out", "client-" + k + ".csr", "-subj", "/CN=kube-apiserver-etcd-client");
            openssl("x509", "-req", "-in", "client-" + k + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "client-" + k + ".crt", "-days", "1");
        }
        openssl("x509", "-req", "-in", "client-ec.csr", "-CA", "other-ca.crt", "-CAkey", "other-ca.key", "-CAcreateserial",
                "-out", "client-foreign.crt", "-days", "1");
        openssl("pkey", "-in", "client-ec.key", "-out", "client-ec-pkcs8.key");
        openssl("pkey", "-in", "client-ec.key", "-aes256", "-passout", "pass:x", "-out", "client-ec-encrypted.key");
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(pki.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + ": " + out);
    }

    private static Inventory load(Path dir, String etcd, String hosts) throws IOException {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, "cluster:\n  kubernetesVersion: 1.34.1\n  controlPlaneEndpoint: {address: 192.0.2.100}\n"
                + etcd + "ssh: {password: x}\nhosts:\n" + hosts);
        return new InventoryLoader().read(file).inventory();
    }

    private static String external(String cert, String key) {
        return "  etcd:\n    mode: external\n    external:\n"
                + "      endpoints: [https://192.0.2.31:2379, \"https://[2001:db8::31]:2379\", https://etcd.example.com:2379]\n"
                + "      caFile: " + pki.resolve("ca.crt") + "\n      certFile: " + pki.resolve(cert) + "\n      keyFile: "
                + pki.resolve(key) + "\n";
    }

    private static final String THREE_CP = "  - {name: \"cp[1:3]\", address: \"192.0.2.[1:3]\", roles: [control-plane]}\n"
            + "  - {name: w1, address: 192.0.2.21, roles: [worker]}\n";

    @Test
    void staticPodIsTheDefaultAndStacksOnControlPlanes(@TempDir Path dir) throws IOException {
        Inventory inv = load(dir, "", THREE_CP);
        assertEquals(EtcdSettings.Mode.STATIC_POD, inv.etcdMode());
        assertEquals(List.of("cp1", "cp2", "cp3"), inv.etcdMembers().stream().map(Host::name).toList());
    }

    @Test
    void hostServiceMembersAreTheEtcdHostsWhichAreNotNodes(@TempDir Path dir) throws IOException {
        Inventory inv = load(dir, "  etcd: {mode: host-service}\n", THREE_CP
                + "  - {name: \"e[1:3]\", address: \"192.0.2.[11:13]\", roles: [etcd]}\n");
        assertEquals(EtcdSettings.Mode.HOST_SERVICE, inv.etcdMode());
        assertEquals(List.of("e1", "e2", "e3"), inv.etcdMembers().stream().map(Host::name).toList());
        assertEquals(List.of("cp1", "cp2", "cp3", "w1"), inv.nodes().stream().map(Host::name).toList(),
                "hosts with only the etcd role get no kubelet");
        assertEquals(7, inv.hosts().size());
    }

    @Test
    void hostServiceMayRunOnControlPlanesAndWarnsOnAnEvenCount(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, "cluster:\n  kubernetesVersion: 1.34.1\n  controlPlaneEndpoint: {address: 192.0.2.100}\n"
                + "  etcd: {mode: host-service}\nssh: {password: x}\nhosts:\n"
                + "  - {name: \"cp[1:2]\", address: \"192.0.2.[1:2]\", roles: [control-plane, etcd]}\n");
        InventoryLoader.Loaded loaded = new InventoryLoader().read(file);
        assertEquals(List.of("cp1", "cp2"), loaded.inventory().etcdMembers().stream().map(Host::name).toList());
        assertEquals(1, loaded.warnings().size());
        assertTrue(loaded.warnings().get(0).format().contains("2 etcd members: an even number"), loaded.warnings().toString());
    }

    @Test
    void externalReadsTheFilesAndHasNoMembers(@TempDir Path dir) throws IOException {
        for (String[] pair : List.of(new String[]{"client-ec.crt", "client-ec.key"}, new String[]{"client-rsa.crt", "client-rsa.key"},
                new String[]{"client-ec.crt", "client-ec-pkcs8.key"})) {
            Inventory inv = load(dir, external(pair[0], pair[1]), THREE_CP);
            assertEquals(EtcdSettings.Mode.EXTERNAL, inv.etcdMode());
            assertEquals(List.of(), inv.etcdMembers());
            EtcdSettings.External ext = inv.cluster().etcd().external().orElseThrow();
            assertEquals(List.of("https://192.0.2.31:2379", "https://[2001:db8::31]:2379", "https://etcd.example.com:2379"),
                    ext.endpoints());
            assertEquals(pki.resolve(pair[0]), ext.certFile());
        }
    }

    @Test
    void externalRefusesAKeyOfAnotherCertificate(@TempDir Path dir) {
        String msg = refused(dir, external("client-ec.crt", "client-rsa.key"));
        assertTrue(msg.contains("(cluster.etcd.external.keyFile): " + pki.resolve("client-rsa.key") + " is not the key of "
                + pki.resolve("client-ec.crt")), msg);
    }

    @Test
    void externalRefusesACertificateOfAnotherCa(@TempDir Path dir) {
        String msg = refused(dir, external("client-foreign.crt", "client-ec.key"));
        assertTrue(msg.contains("(cluster.etcd.external.certFile): " + pki.resolve("client-foreign.crt")
                + " (CN=kube-apiserver-etcd-client) is not signed by the CA in " + pki.resolve("ca.crt")), msg);
    }

    @Test
    void externalRefusesAnEncryptedKeyAndAKeyAsCertificate(@TempDir Path dir) {
        String msg = refused(dir, external("client-ec.crt", "client-ec-encrypted.key"));
        assertTrue(msg.contains("(cluster.etcd.external.keyFile): " + pki.resolve("client-ec-encrypted.key")
                + ": an encrypted key; give an unencrypted copy"), msg);
        msg = refused(dir, external("client-ec.key", "client-ec.key"));
        assertTrue(msg.contains("(cluster.etcd.external.certFile): " + pki.resolve("client-ec.key")
                + ": no CERTIFICATE block in the PEM data; give a PEM certificate"), msg);
    }

    private static String refused(Path dir, String etcd) {
        BadInputException e = assertThrows(BadInputException.class, () -> load(dir, etcd, THREE_CP));
        List<String> problems = e.problems().stream().map(Problem::format).toList();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(dir.resolve("inventory.yaml") + ":"), problems.get(0));
        return problems.get(0);
    }
}
