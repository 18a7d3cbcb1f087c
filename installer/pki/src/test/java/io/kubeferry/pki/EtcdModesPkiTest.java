package io.kubeferry.pki;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.inventory.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The PKI of the etcd modes: etcd hosts of their own (host-service) and the user's etcd (external). */
class EtcdModesPkiTest {
    private static Inventory withEtcd(Inventory inv, EtcdSettings etcd, List<Host> hosts) {
        ClusterSpec c = inv.cluster();
        return new Inventory(inv.source(), new ClusterSpec(c.name(), c.kubernetesVersion(), c.controlPlaneEndpoint(),
                c.networking(), c.certificates(), c.extraArgs(), c.imageRepository(), etcd), hosts);
    }

    private static List<String> paths(List<HostFile> files) {
        return files.stream().map(HostFile::path).sorted().toList();
    }

    @Test
    void hostServiceEtcdHostsGetTheirEtcdCertificatesOnly(@TempDir Path dir) {
        Inventory base = TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        List<Host> hosts = new ArrayList<>(base.hosts());
        hosts.add(new Host("e1", "10.250.0.31", "10.250.0.31", null, Set.of(Role.ETCD), Map.of(), List.of()));
        Inventory inv = withEtcd(base, new EtcdSettings(EtcdSettings.Mode.HOST_SERVICE, Optional.empty()), hosts);
        PkiService pki = new PkiService();
        pki.generate(inv);
        assertEquals(List.of("/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
                        "/etc/kubernetes/pki/etcd/healthcheck-client.key", "/etc/kubernetes/pki/etcd/peer.crt",
                        "/etc/kubernetes/pki/etcd/peer.key", "/etc/kubernetes/pki/etcd/server.crt",
                        "/etc/kubernetes/pki/etcd/server.key"),
                paths(pki.filesFor(inv, inv.host("e1").orElseThrow())), "no kubelet.conf, no cluster CA, no CA key");
        List<String> cp = paths(pki.filesFor(inv, inv.host("cp1").orElseThrow()));
        assertTrue(cp.contains("/etc/kubernetes/pki/etcd/ca.crt") && cp.contains("/etc/kubernetes/pki/apiserver-etcd-client.crt"), cp.toString());
        assertFalse(cp.contains("/etc/kubernetes/pki/etcd/server.crt"), "the control plane is no member: " + cp);
        List<String> sans = PkiPlan.of(inv).certs().stream().filter(c -> "e1".equals(c.host()) && c.name().equals("etcd-server"))
                .findFirst().orElseThrow().ipAddresses();
        assertTrue(sans.contains("10.250.0.31"), sans.toString());
    }

    @Test
    void externalEtcdMakesNoEtcdCaAndShipsTheUsersFiles(@TempDir Path dir, @TempDir Path users) throws Exception {
        // the user's etcd PKI: another cluster's etcd CA and apiserver client pair
        Inventory theirs = TestClusters.inventory(users, 1, 0, KeyAlgorithm.RSA_2048, "1.34.1");
        new PkiService().generate(theirs);
        Path theirPki = theirs.stateDir().resolve("pki");
        EtcdSettings.External external = new EtcdSettings.External(List.of("https://10.250.0.31:2379"),
                theirPki.resolve("etcd/ca.crt"), theirPki.resolve("hosts/" + theirs.controlPlanes().get(0).name() + "/apiserver-etcd-client.crt"),
                theirPki.resolve("hosts/" + theirs.controlPlanes().get(0).name() + "/apiserver-etcd-client.key"));
        Inventory base = TestClusters.inventory(dir, 2, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        Inventory inv = withEtcd(base, new EtcdSettings(EtcdSettings.Mode.EXTERNAL, Optional.of(external)), base.hosts());

        PkiService pki = new PkiService();
        PkiReport report = pki.generate(inv);
        Path pkiDir = inv.stateDir().resolve("pki");
        assertFalse(Files.exists(pkiDir.resolve("etcd")), "no etcd CA or etcd certificate generated");
        try (var all = Files.walk(pkiDir)) {
            assertTrue(all.noneMatch(f -> f.getFileName().toString().startsWith("apiserver-etcd-client")),
                    "no apiserver-etcd-client generated (the user's is shipped)");
        }
        assertTrue(report.entries().stream().noneMatch(e -> e.name().contains("etcd")), report.entries().toString());
        assertTrue(pki.checkExpiration(inv).stream().noneMatch(s -> s.name().contains("etcd")));

        for (Host cp : inv.controlPlanes()) {
            Map<String, HostFile> files = new java.util.HashMap<>();
            pki.filesFor(inv, cp).forEach(f -> files.put(f.path(), f));
            assertArrayEquals(Files.readAllBytes(external.caFile()), files.get("/etc/kubernetes/pki/etcd/ca.crt").content());
            assertArrayEquals(Files.readAllBytes(external.certFile()), files.get("/etc/kubernetes/pki/apiserver-etcd-client.crt").content());
            HostFile key = files.get("/etc/kubernetes/pki/apiserver-etcd-client.key");
            assertArrayEquals(Files.readAllBytes(external.keyFile()), key.content());
            assertEquals(0600, key.mode());
            assertFalse(files.containsKey("/etc/kubernetes/pki/etcd/ca.key"));
        }
        Host worker = inv.workers().get(0);
        assertTrue(paths(pki.filesFor(inv, worker)).stream().noneMatch(p -> p.contains("etcd")));
        // a second generate keeps everything
        Map<String, byte[]> before = TestClusters.snapshot(pkiDir);
        pki.generate(inv);
        assertEquals(List.of(), TestClusters.diff(before, TestClusters.snapshot(pkiDir)));
    }
}
