package io.kubeferry.pki;

import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Networking;
import io.kubeferry.inventory.Role;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Inventories built directly as records, and file-tree snapshots. */
final class TestClusters {
    private TestClusters() {
    }

    static Host controlPlane(String name, String address) {
        return new Host(name, address, address, null, Set.of(Role.CONTROL_PLANE), Map.of(), List.of());
    }

    static Host worker(String name, String address) {
        return new Host(name, address, address, null, Set.of(Role.WORKER), Map.of(), List.of());
    }

    static CertificateOptions certs(KeyAlgorithm algorithm, List<String> sans) {
        return new CertificateOptions(algorithm, CertificateOptions.DEFAULT_CA_VALIDITY,
                CertificateOptions.DEFAULT_CERT_VALIDITY, sans);
    }

    static ClusterSpec cluster(String version, ControlPlaneEndpoint endpoint, CertificateOptions certs) {
        Networking net = new Networking(Cidr.parse("10.244.0.0/16").orElseThrow(),
                Cidr.parse("10.96.0.0/12").orElseThrow(), "cluster.local", Networking.Cni.FLANNEL);
        return new ClusterSpec("kubernetes", KubernetesVersion.parse(version).orElseThrow(), endpoint, net, certs,
                Map.of(), ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
    }

    /** cp1..cpN at 10.250.0.11.., w1..wM at 10.250.0.101.., external endpoint lb.example.internal:6443. */
    static Inventory inventory(Path dir, int controlPlanes, int workers, KeyAlgorithm algorithm, String version) {
        List<Host> hosts = new ArrayList<>();
        for (int i = 1; i <= controlPlanes; i++) {
            hosts.add(controlPlane("cp" + i, "10.250.0." + (10 + i)));
        }
        for (int i = 1; i <= workers; i++) {
            hosts.add(worker("w" + i, "10.250." + (1 + i / 250) + "." + (i % 250 + 1)));
        }
        ControlPlaneEndpoint endpoint = new ControlPlaneEndpoint("lb.example.internal", 6443,
                ControlPlaneEndpoint.Mode.EXTERNAL);
        return new Inventory(dir.resolve("inventory.yaml"), cluster(version, endpoint, certs(algorithm, List.of())), hosts);
    }

    static Inventory withCluster(Inventory inv, ClusterSpec cluster) {
        return new Inventory(inv.source(), cluster, inv.hosts());
    }

    static Inventory withHosts(Inventory inv, List<Host> hosts) {
        return new Inventory(inv.source(), inv.cluster(), hosts);
    }

    static Inventory withSans(Inventory inv, List<String> sans) {
        ClusterSpec c = inv.cluster();
        CertificateOptions o = c.certificates();
        return withCluster(inv, new ClusterSpec(c.name(), c.kubernetesVersion(), c.controlPlaneEndpoint(),
                c.networking(), new CertificateOptions(o.keyAlgorithm(), o.caValidity(), o.certValidity(), sans),
                c.extraArgs(), c.imageRepository()));
    }

    /** Relative path to content of every regular file under dir (empty map when dir does not exist). */
    static Map<String, byte[]> snapshot(Path dir) {
        Map<String, byte[]> out = new TreeMap<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Paths whose bytes differ (or exist in only one). */
    static List<String> diff(Map<String, byte[]> a, Map<String, byte[]> b) {
        java.util.Set<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys.stream().filter(k -> !java.util.Arrays.equals(a.get(k), b.get(k))).toList();
    }
}
