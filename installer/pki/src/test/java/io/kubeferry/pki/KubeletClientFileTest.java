package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kubelet.conf as kubeadm's kubelet-finalize leaves it: the user refers to
 * {@code /var/lib/kubelet/pki/kubelet-client-current.pem} (certificate + key), so the kubelet's rotated
 * certificates are used; that file is written once ({@link PkiService#isWriteOnce}) and renewed on request.
 */
class KubeletClientFileTest {
    @TempDir
    Path dir;

    /**
     * A copy of {@code conf} as it reads on a node whose root is {@code root}: the PEM at
     * {@code root + KUBELET_CLIENT_CURRENT}, the kubeconfig's reference pointed there (only the prefix changes).
     */
    static Path onNode(Path conf, Path pem, Path root) throws Exception {
        Path nodePem = root.resolve(PkiLayout.KUBELET_CLIENT_CURRENT.substring(1));
        Files.createDirectories(nodePem.getParent());
        Files.copy(pem, nodePem);
        String text = Files.readString(conf);
        assertTrue(text.contains(PkiLayout.KUBELET_CLIENT_CURRENT), text);
        return Files.writeString(root.resolve("kubelet.conf"), text.replace(PkiLayout.KUBELET_CLIENT_CURRENT, nodePem.toString()));
    }

    private static Path pki(Inventory inv) {
        return inv.stateDir().resolve("pki");
    }

    @Test
    void kubeletConfRefersToAPemThatKubectlAndOpensslAccept() throws Exception {
        Inventory inv = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Path conf = pki(inv).resolve("hosts/w1/kubelet.conf");
        Path pem = pki(inv).resolve("hosts/w1/kubelet-client-current.pem");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pem)));
        // the real kubectl parses it and sees the reference, no embedded data
        assertEquals(PkiLayout.KUBELET_CLIENT_CURRENT + "|" + PkiLayout.KUBELET_CLIENT_CURRENT + "|||system:node:w1",
                Cmd.ok("/usr/bin/kubectl", "config", "view", "--raw", "--kubeconfig", conf.toString(), "-o",
                        "jsonpath={.users[0].user.client-certificate}|{.users[0].user.client-key}"
                                + "|{.users[0].user.client-certificate-data}|{.users[0].user.client-key-data}|{.users[0].name}"));
        // openssl: the PEM holds the node's certificate, signed by the cluster CA, and the key that matches it
        assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", pki(inv).resolve("ca.crt").toString(), pem.toString()).exitCode());
        OpensslCert cert = OpensslCert.read(pem);
        assertEquals("system:node:w1", cert.cn());
        assertEquals(List.of("system:nodes"), cert.organizations());
        assertEquals(Cmd.ok("openssl", "x509", "-in", pem.toString(), "-noout", "-pubkey"),
                Cmd.ok("openssl", "pkey", "-in", pem.toString(), "-pubout"));

        // kubectl --kubeconfig loads the referenced file as client credentials: with the right PEM it gets as far
        // as connecting (nothing listens on 127.0.0.1:1); with a key that does not match, it refuses the credentials
        Path good = onNode(conf, pem, Files.createDirectories(dir.resolve("node-good")));
        Cmd.Result r = Cmd.run("/usr/bin/kubectl", "--kubeconfig", good.toString(), "--server", "https://127.0.0.1:1",
                "--request-timeout", "5s", "get", "--raw", "/healthz");
        assertTrue(r.stderr().contains("127.0.0.1:1 was refused"), r.stderr());
        Path mixed = dir.resolve("mixed.pem");
        byte[] certOnly = Cmd.ok("openssl", "x509", "-in", pem.toString()).getBytes(StandardCharsets.US_ASCII);
        byte[] otherKey = Files.readAllBytes(pki(inv).resolve("hosts/cp1/apiserver.key"));
        Files.write(mixed, concat(certOnly, otherKey));
        Path bad = onNode(conf, mixed, Files.createDirectories(dir.resolve("node-bad")));
        r = Cmd.run("/usr/bin/kubectl", "--kubeconfig", bad.toString(), "--server", "https://127.0.0.1:1",
                "--request-timeout", "5s", "get", "--raw", "/healthz");
        assertTrue(r.exitCode() != 0 && r.stderr().contains("private key does not match public key"), r.stderr());

        // every node gets the PEM (0600) before the kubeconfig that refers to it; only the PEM is write-once
        for (Host h : inv.nodes()) {
            List<HostFile> files = service.filesFor(inv, h);
            List<String> paths = files.stream().map(HostFile::path).toList();
            int pemAt = paths.indexOf(PkiLayout.KUBELET_CLIENT_CURRENT);
            assertTrue(pemAt >= 0 && pemAt < paths.indexOf("/etc/kubernetes/kubelet.conf"), h.name() + ": " + paths);
            assertEquals(0600, files.get(pemAt).mode());
            assertEquals(1, paths.stream().filter(PkiService::isWriteOnce).count(), paths.toString());
        }
        assertTrue(PkiService.isWriteOnce(PkiLayout.KUBELET_CLIENT_CURRENT));
        assertFalse(PkiService.isWriteOnce("/etc/kubernetes/kubelet.conf"));
        // check-expiration reads the node's certificate from the PEM
        CertStatus w1 = service.checkExpiration(inv).stream()
                .filter(s -> s.name().equals("kubelet.conf") && "w1".equals(s.host())).findFirst().orElseThrow();
        assertEquals(pem, w1.file());
        assertEquals(cert.notAfter(), w1.notAfter());
    }

    @Test
    void renewKubeletConfReplacesThePemOnEveryNodeAndAGenerateKeepsIt() {
        Inventory inv = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        PkiReport r = service.renew(inv, "kubelet.conf");
        // the kubeconfig's text does not change (same reference); its credentials do
        assertEquals(List.of("hosts/cp1/kubelet-client-current.pem", "hosts/w1/kubelet-client-current.pem"),
                TestClusters.diff(before, TestClusters.snapshot(pki(inv))));
        assertTrue(r.changedFiles().contains(pki(inv).resolve("hosts/w1/kubelet-client-current.pem")), r.changedFiles().toString());
        Map<Host, List<String>> byHost = service.pathsRenewedBy(inv, "kubelet.conf");
        assertEquals(List.of(PkiLayout.KUBELET_CLIENT_CURRENT, "/etc/kubernetes/kubelet.conf"),
                byHost.get(inv.host("w1").orElseThrow()));
        assertFalse(service.generate(inv).changedAnything());
    }

    @Test
    void anEmbeddedKubeletConfFromAnEarlierVersionIsRegeneratedAndAMissingPemIsNamed() throws Exception {
        Inventory inv = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Path conf = pki(inv).resolve("hosts/w1/kubelet.conf");
        Path pem = pki(inv).resolve("hosts/w1/kubelet-client-current.pem");
        Kubeconfigs.Parsed p = Kubeconfigs.parse(Files.readAllBytes(conf));
        byte[] certAndKey = Files.readAllBytes(pem);
        Files.write(conf, Kubeconfigs.render(p.clusterName(), p.server(), p.caPem(), p.userName(), certAndKey,
                Pem.encodePrivateKey(Pem.readKeyPair(certAndKey))));
        Files.delete(pem);
        PkiReport r = service.generate(inv);
        PkiReport.Entry w1 = r.entries().stream().filter(e -> e.name().equals("kubelet.conf") && "w1".equals(e.host()))
                .findFirst().orElseThrow();
        assertEquals(PkiReport.Action.REGENERATED, w1.action());
        assertTrue(w1.reason().contains(PkiLayout.KUBELET_CLIENT_CURRENT), w1.reason());
        assertTrue(Kubeconfigs.parse(Files.readAllBytes(conf)).referencesClientFiles());
        assertTrue(Files.exists(pem));

        // with an external CA the user supplies the PEM too: a missing one is named
        Files.delete(pki(inv).resolve("ca.key"));
        Files.delete(pem);
        BadInputException e = assertThrows(BadInputException.class, () -> service.generate(inv));
        assertTrue(e.problems().stream().anyMatch(q -> q.where().equals(conf.toString())
                && q.message().contains("kubelet-client-current.pem (its client certificate and key) is missing")), e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * {@code kubeletClientValidity} shortens kubelet.conf's client certificate only; once it has expired, a later
     * generate keeps it (the kubelet renews its own on the node) instead of reporting a change on every apply.
     */
    @Test
    void aShortKubeletClientValidityShortensOnlyThatCertificateWhichAGenerateKeepsAfterItExpired() {
        Inventory base = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        io.kubeferry.inventory.CertificateOptions o = base.cluster().certificates();
        var c = base.cluster();
        Inventory inv = TestClusters.withCluster(base, new io.kubeferry.inventory.ClusterSpec(c.name(), c.kubernetesVersion(),
                c.controlPlaneEndpoint(), c.networking(), new io.kubeferry.inventory.CertificateOptions(o.keyAlgorithm(),
                o.caValidity(), o.certValidity(), o.apiServerCertSans(), java.time.Duration.ofSeconds(90)), c.extraArgs(),
                c.imageRepository()));
        java.time.Instant start = java.time.Instant.parse("2026-06-01T00:00:00Z");
        new PkiService(java.time.Clock.fixed(start, java.time.ZoneOffset.UTC)).generate(inv);
        OpensslCert kubelet = OpensslCert.read(pki(inv).resolve("hosts/w1/kubelet-client-current.pem"));
        OpensslCert apiserver = OpensslCert.read(pki(inv).resolve("hosts/cp1/apiserver.crt"));
        assertEquals(start.plusSeconds(90), kubelet.notAfter());
        assertEquals(start.plus(io.kubeferry.inventory.CertificateOptions.DEFAULT_CERT_VALIDITY), apiserver.notAfter());

        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        PkiReport later = new PkiService(java.time.Clock.fixed(start.plusSeconds(600), java.time.ZoneOffset.UTC)).generate(inv);
        assertFalse(later.changedAnything(), later.changedFiles().toString());
        assertEquals(List.of(), TestClusters.diff(before, TestClusters.snapshot(pki(inv))));
        // every other leaf still renews near its expiry: a year on, the apiserver certificate is regenerated
        PkiReport yearOn = new PkiService(java.time.Clock.fixed(start.plus(java.time.Duration.ofDays(360)),
                java.time.ZoneOffset.UTC)).generate(inv);
        assertTrue(yearOn.changedFiles().contains(pki(inv).resolve("hosts/cp1/apiserver.crt")), yearOn.changedFiles().toString());
        assertFalse(yearOn.changedFiles().contains(pki(inv).resolve("hosts/w1/kubelet-client-current.pem")),
                yearOn.changedFiles().toString());
    }
}
