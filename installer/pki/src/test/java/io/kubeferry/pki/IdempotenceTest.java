package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdempotenceTest {
    @TempDir
    Path dir;

    private static Path pki(Inventory inv) {
        return inv.stateDir().resolve("pki");
    }

    @Test
    void generatingTwiceChangesNoFile() {
        Inventory inv = TestClusters.inventory(dir, 3, 2, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> first = TestClusters.snapshot(pki(inv));
        PkiReport second = service.generate(inv);
        assertEquals(List.of(), TestClusters.diff(first, TestClusters.snapshot(pki(inv))));
        assertFalse(second.changedAnything(), second.entries().toString());
        assertEquals(38, second.with(PkiReport.Action.KEPT).size());
    }

    @Test
    void addingAnApiserverAddressRegeneratesOnlyTheApiserverCertificates() {
        Inventory inv = TestClusters.inventory(dir, 3, 2, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));

        PkiReport r = service.generate(TestClusters.withSans(inv, List.of("10.250.0.100", "api.example.com")));
        List<String> changed = TestClusters.diff(before, TestClusters.snapshot(pki(inv)));
        assertEquals(List.of("hosts/cp1/apiserver.crt", "hosts/cp1/apiserver.key", "hosts/cp2/apiserver.crt",
                "hosts/cp2/apiserver.key", "hosts/cp3/apiserver.crt", "hosts/cp3/apiserver.key"), changed);
        List<PkiReport.Entry> regenerated = r.with(PkiReport.Action.REGENERATED);
        assertEquals(3, regenerated.size());
        for (PkiReport.Entry e : regenerated) {
            assertEquals("apiserver", e.name());
            assertTrue(e.reason().contains("IP:10.250.0.100") && e.reason().contains("DNS:api.example.com"), e.reason());
        }
        OpensslCert c = OpensslCert.read(pki(inv).resolve("hosts/cp2/apiserver.crt"));
        assertTrue(c.sans().contains("IP Address:10.250.0.100"), c.sans().toString());
    }

    @Test
    void aNewPublicAddressOnOneControlPlaneRegeneratesOnlyItsApiserverCertificate() {
        Inventory inv = TestClusters.inventory(dir, 3, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        List<Host> hosts = new ArrayList<>(inv.hosts());
        Host cp2 = hosts.get(1);
        hosts.set(1, new Host(cp2.name(), "198.51.100.2", cp2.internalAddress(), null, cp2.roles(), Map.of(), List.of()));
        service.generate(TestClusters.withHosts(inv, hosts));
        assertEquals(List.of("hosts/cp2/apiserver.crt", "hosts/cp2/apiserver.key"),
                TestClusters.diff(before, TestClusters.snapshot(pki(inv))));
    }

    @Test
    void addingAWorkerCreatesOnlyItsKubeconfig() {
        Inventory inv = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        List<Host> hosts = new ArrayList<>(inv.hosts());
        hosts.add(TestClusters.worker("w9", "10.250.0.99"));
        PkiReport r = service.generate(TestClusters.withHosts(inv, hosts));
        assertEquals(List.of("hosts/w9/kubelet-client-current.pem", "hosts/w9/kubelet.conf"), TestClusters.diff(before, TestClusters.snapshot(pki(inv))));
        assertEquals(1, r.with(PkiReport.Action.CREATED).size());
    }

    @Test
    void changingTheEndpointRewritesKubeconfigsThatUseIt() {
        Inventory inv = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        var c = inv.cluster();
        Inventory moved = TestClusters.withCluster(inv, TestClusters.cluster("1.34.1",
                new io.kubeferry.inventory.ControlPlaneEndpoint("10.250.0.200", 6443,
                        io.kubeferry.inventory.ControlPlaneEndpoint.Mode.EXTERNAL), c.certificates()));
        service.generate(moved);
        // the apiserver SANs and the kubeconfigs that leave the control plane; not the local ones
        assertEquals(List.of("admin.conf", "hosts/cp1/apiserver.crt", "hosts/cp1/apiserver.key",
                "hosts/w1/kubelet-client-current.pem", "hosts/w1/kubelet.conf", "super-admin.conf"), TestClusters.diff(before, TestClusters.snapshot(pki(inv))));
    }

    @Test
    void nearExpiryRegeneratesLeavesButNeverTheCas() {
        Inventory inv = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        Instant t0 = Instant.now();
        new PkiService(Clock.fixed(t0, ZoneOffset.UTC)).generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));

        // 300 days later: more than 30 days left, nothing happens
        PkiReport quiet = new PkiService(Clock.fixed(t0.plus(Duration.ofDays(300)), ZoneOffset.UTC)).generate(inv);
        assertFalse(quiet.changedAnything());
        // 350 days later: 15 days left, every leaf and kubeconfig renewed; CAs and sa kept
        PkiReport late = new PkiService(Clock.fixed(t0.plus(Duration.ofDays(350)), ZoneOffset.UTC)).generate(inv);
        List<String> changed = TestClusters.diff(before, TestClusters.snapshot(pki(inv)));
        for (String keep : List.of("ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "etcd/ca.crt",
                "etcd/ca.key", "sa.key", "sa.pub")) {
            assertFalse(changed.contains(keep), keep + " changed");
        }
        // the two kubelet.conf files keep their text (a reference to kubelet-client-current.pem), and the first kubelet
        // client credentials are not renewed by generate: the kubelet rotates its own (a host reinstalled later needs
        // `certs renew kubelet.conf`)
        for (String kubelet : List.of("hosts/cp1/kubelet-client-current.pem", "hosts/w1/kubelet-client-current.pem")) {
            assertFalse(changed.contains(kubelet), kubelet + " changed");
        }
        assertEquals(TestClusters.snapshot(pki(inv)).size() - 8 - 2 - 2, changed.size(), changed.toString());
        assertTrue(late.with(PkiReport.Action.REGENERATED).stream().allMatch(e -> e.reason().contains("expires on")));
        OpensslCert c = OpensslCert.read(pki(inv).resolve("hosts/cp1/apiserver.crt"));
        assertEquals(t0.plus(Duration.ofDays(350)).plus(Duration.ofHours(8760)).getEpochSecond(), c.notAfter().getEpochSecond());
    }

    @Test
    void leavesThatEndWithANearlyExpiredCaAreNotReSignedEveryRun() {
        Inventory inv = TestClusters.inventory(dir, 1, 0, KeyAlgorithm.ECDSA_P256, "1.34.1");
        Instant t0 = Instant.now();
        new PkiService(Clock.fixed(t0, ZoneOffset.UTC)).generate(inv);
        // 10 days before the CA expires: leaves are re-signed once (ending with the CA) and then left alone
        Instant late = t0.plus(Duration.ofHours(87600)).minus(Duration.ofDays(10));
        PkiReport first = new PkiService(Clock.fixed(late, ZoneOffset.UTC)).generate(inv);
        assertTrue(first.changedAnything());
        assertTrue(first.warnings().stream().anyMatch(p -> p.message().contains("Plan a CA rotation")), first.warnings().toString());
        Map<String, byte[]> after = TestClusters.snapshot(pki(inv));
        PkiReport second = new PkiService(Clock.fixed(late.plus(Duration.ofHours(1)), ZoneOffset.UTC)).generate(inv);
        assertFalse(second.changedAnything(), second.entries().toString());
        assertEquals(List.of(), TestClusters.diff(after, TestClusters.snapshot(pki(inv))));
    }

    @Test
    void changingTheKeyAlgorithmRegeneratesLeavesAndKeepsTheCas() {
        Inventory inv = TestClusters.inventory(dir, 1, 0, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Inventory rsa = TestClusters.withCluster(inv, TestClusters.cluster("1.34.1", inv.cluster().controlPlaneEndpoint(),
                TestClusters.certs(KeyAlgorithm.RSA_2048, List.of())));
        PkiReport r = service.generate(rsa);
        assertEquals(PkiReport.Action.KEPT, r.entries().stream().filter(e -> e.name().equals("ca")).findFirst().orElseThrow().action());
        assertEquals("rsaEncryption", OpensslCert.read(pki(inv).resolve("hosts/cp1/apiserver.crt")).keyAlgorithm());
        assertEquals("id-ecPublicKey", OpensslCert.read(pki(inv).resolve("ca.crt")).keyAlgorithm());
        assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", pki(inv).resolve("ca.crt").toString(),
                pki(inv).resolve("hosts/cp1/apiserver.crt").toString()).exitCode());
    }

    @Test
    void renewOneNameReSignsOnlyThose() {
        Inventory inv = TestClusters.inventory(dir, 2, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        PkiReport r = service.renew(inv, "etcd-server");
        assertEquals(List.of("hosts/cp1/etcd/server.crt", "hosts/cp1/etcd/server.key", "hosts/cp2/etcd/server.crt",
                "hosts/cp2/etcd/server.key"), TestClusters.diff(before, TestClusters.snapshot(pki(inv))));
        assertEquals(2, r.with(PkiReport.Action.RENEWED).size());
        assertEquals(4, r.changedFiles().size());
        // which hosts receive the renewed files: their files whose state-directory source was written
        List<String> hostsToPush = inv.hosts().stream()
                .filter(h -> HostDistribution.filesFor(inv, h).stream().anyMatch(f -> r.changedFiles().contains(f.source())))
                .map(Host::name).toList();
        assertEquals(List.of("cp1", "cp2"), hostsToPush);
        // the dry run's prediction names the same hosts and files
        Map<Host, List<String>> byHost = service.pathsRenewedBy(inv, "etcd-server");
        assertEquals(List.of("cp1", "cp2"), byHost.keySet().stream().map(Host::name).toList());
        assertEquals(List.of("/etc/kubernetes/pki/etcd/server.crt", "/etc/kubernetes/pki/etcd/server.key"),
                byHost.values().iterator().next());
        assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", pki(inv).resolve("etcd/ca.crt").toString(),
                pki(inv).resolve("hosts/cp1/etcd/server.crt").toString()).exitCode());
    }

    @Test
    void clientCertificatesArePerControlPlaneAndRenewingOneNameReSignsEveryNodesCopy() {
        Inventory inv = TestClusters.inventory(dir, 2, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        // kubeadm makes these on each node: two control planes never share a key pair
        for (String leaf : List.of("apiserver-kubelet-client", "front-proxy-client", "apiserver-etcd-client",
                "etcd/healthcheck-client")) {
            assertFalse(java.util.Arrays.equals(TestClusters.snapshot(pki(inv)).get("hosts/cp1/" + leaf + ".key"),
                    TestClusters.snapshot(pki(inv)).get("hosts/cp2/" + leaf + ".key")), leaf);
        }
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        service.renew(inv, "front-proxy-client");
        assertEquals(List.of("hosts/cp1/front-proxy-client.crt", "hosts/cp1/front-proxy-client.key",
                "hosts/cp2/front-proxy-client.crt", "hosts/cp2/front-proxy-client.key"),
                TestClusters.diff(before, TestClusters.snapshot(pki(inv))));
        Map<Host, List<String>> byHost = service.pathsRenewedBy(inv, "front-proxy-client");
        assertEquals(List.of("cp1", "cp2"), byHost.keySet().stream().map(Host::name).toList());
        // each host gets its own copy, at kubeadm's path
        for (Host cp : byHost.keySet()) {
            PkiFile key = HostDistribution.filesFor(inv, cp).stream()
                    .filter(f -> f.file().path().equals("/etc/kubernetes/pki/front-proxy-client.key")).findFirst().orElseThrow();
            assertEquals(pki(inv).resolve("hosts/" + cp.name() + "/front-proxy-client.key"), key.source());
        }
    }

    @Test
    void renewAllReSignsEveryLeafAndKeepsCasAndSa() {
        Inventory inv = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        service.generate(inv);
        Map<String, byte[]> before = TestClusters.snapshot(pki(inv));
        service.renew(inv, "all");
        List<String> changed = TestClusters.diff(before, TestClusters.snapshot(pki(inv)));
        // CAs and sa are kept; the kubelet.conf files keep their text (the PEM they refer to is renewed)
        assertEquals(before.size() - 8 - 2, changed.size());
        assertTrue(changed.containsAll(List.of("hosts/cp1/kubelet-client-current.pem", "hosts/w1/kubelet-client-current.pem")));
        assertTrue(changed.stream().noneMatch(f -> f.endsWith("ca.crt") || f.endsWith("ca.key") || f.startsWith("sa.")));
        // and a generate afterwards keeps all of it
        assertFalse(service.generate(inv).changedAnything());
    }

    @Test
    void separateEtcdHostsGetOnlyEtcdFilesAndNoCaKey() {
        Inventory base = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        List<Host> hosts = new ArrayList<>(base.hosts());
        hosts.add(new Host("e1", "10.250.0.51", "10.250.0.51", null, java.util.Set.of(io.kubeferry.inventory.Role.ETCD),
                Map.of(), List.of()));
        Inventory inv = TestClusters.withHosts(base, hosts);
        PkiService service = new PkiService();
        service.generate(inv);
        assertEquals(List.of("/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/etcd/server.crt",
                        "/etc/kubernetes/pki/etcd/server.key", "/etc/kubernetes/pki/etcd/peer.crt",
                        "/etc/kubernetes/pki/etcd/peer.key", "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
                        "/etc/kubernetes/pki/etcd/healthcheck-client.key"),
                service.filesFor(inv, inv.host("e1").orElseThrow()).stream().map(io.kubeferry.host.HostFile::path).toList());
        // the control plane is no etcd member now: it keeps the etcd CA (and its key) and its etcd client only
        List<String> cp1 = service.filesFor(inv, inv.host("cp1").orElseThrow()).stream().map(io.kubeferry.host.HostFile::path).toList();
        assertTrue(cp1.contains("/etc/kubernetes/pki/apiserver-etcd-client.crt"));
        assertFalse(cp1.contains("/etc/kubernetes/pki/etcd/server.crt"));
        OpensslCert server = OpensslCert.read(pki(inv).resolve("hosts/e1/etcd/server.crt"));
        assertEquals("e1", server.cn());
        assertTrue(server.sans().contains("IP Address:10.250.0.51"), server.sans().toString());
    }

    @Test
    void renewRejectsUnknownNamesAndAMissingPki() {
        Inventory inv = TestClusters.inventory(dir, 1, 0, KeyAlgorithm.ECDSA_P256, "1.34.1");
        PkiService service = new PkiService();
        BadInputException none = assertThrows(BadInputException.class, () -> service.renew(inv, "apiserver"));
        assertTrue(none.getMessage().contains("certs generate"), none.getMessage());
        service.generate(inv);
        BadInputException unknown = assertThrows(BadInputException.class, () -> service.renew(inv, "apiservr"));
        assertTrue(unknown.getMessage().contains("apiserver-etcd-client") && unknown.getMessage().contains("kubelet.conf"),
                unknown.getMessage());
    }
}
