package io.kubeferry.install;

import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Networking;
import io.kubeferry.inventory.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Who gets which bundle binary, and etcd's release archive unpacked by its placement's own command. */
class BundleBinariesTest {
    private static Inventory inventory(EtcdSettings.Mode mode, List<Host> hosts) {
        Networking net = new Networking(Cidr.parse("10.244.0.0/16").orElseThrow(), Cidr.parse("10.96.0.0/12").orElseThrow(),
                "cluster.local", Networking.Cni.FLANNEL);
        return new Inventory(Path.of("/nonexistent/inventory.yaml"), new ClusterSpec("kubernetes",
                KubernetesVersion.parse("1.34.1").orElseThrow(), new ControlPlaneEndpoint("10.0.0.100", 6443,
                ControlPlaneEndpoint.Mode.EXTERNAL), net, CertificateOptions.defaults(), Map.of(),
                ClusterSpec.DEFAULT_IMAGE_REPOSITORY, new EtcdSettings(mode, Optional.empty())), hosts);
    }

    private static Host host(String name, Role... roles) {
        return new Host(name, "10.0.0." + (name.hashCode() & 0x7f), "10.0.0." + (name.hashCode() & 0x7f), null,
                Set.of(roles), Map.of(), List.of());
    }

    @Test
    void etcdHostsGetEtcdOnlyAndOnlyInHostServiceMode() {
        Host cp = host("cp1", Role.CONTROL_PLANE, Role.ETCD);
        Host e = host("e1", Role.ETCD);
        Host w = host("w1", Role.WORKER);
        Inventory service = inventory(EtcdSettings.Mode.HOST_SERVICE, List.of(cp, e, w));
        assertEquals(List.of(BundleBinaries.ETCD), BundleBinaries.placementsFor(service, e));
        assertTrue(BundleBinaries.placementsFor(service, cp).containsAll(BundleBinaries.NODE_BINARIES));
        assertTrue(BundleBinaries.placementsFor(service, cp).contains(BundleBinaries.ETCD));
        assertEquals(BundleBinaries.NODE_BINARIES, BundleBinaries.placementsFor(service, w));
        Inventory stacked = inventory(EtcdSettings.Mode.STATIC_POD, List.of(cp, w));
        assertEquals(BundleBinaries.NODE_BINARIES, BundleBinaries.placementsFor(stacked, cp), "the static pod's image, not the binary");
    }

    @Test
    void theEtcdReleaseArchiveIsUnpackedIntoPlaceAndReplacesAnOlderBinary(@TempDir Path tmp) throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree/etcd-v3.5.16-linux-amd64/Documentation"));
        Files.writeString(tree.getParent().resolve("etcd"), "#!/bin/sh\necho etcd 3.5.16\n");
        Files.writeString(tree.getParent().resolve("etcdctl"), "#!/bin/sh\necho etcdctl 3.5.16\n");
        Files.writeString(tree.getParent().resolve("README.md"), "etcd\n");
        Path archive = tmp.resolve("etcd-v3.5.16-linux-amd64.tar.gz");
        run("tar -czf " + archive + " -C " + tmp.resolve("tree") + " etcd-v3.5.16-linux-amd64");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("etcd"), "old\n");
        // the placement's own command, with the bin directory moved into the temp directory
        String install = BundleBinaries.ETCD.install().replace(BundleBinaries.BIN_DIR, bin.toString());
        run("SRC=" + archive + "; " + install);
        assertEquals("#!/bin/sh\necho etcd 3.5.16\n", Files.readString(bin.resolve("etcd")));
        assertEquals("#!/bin/sh\necho etcdctl 3.5.16\n", Files.readString(bin.resolve("etcdctl")));
        assertTrue(Files.isExecutable(bin.resolve("etcd")) && Files.isExecutable(bin.resolve("etcdctl")));
        try (var left = Files.list(bin)) {
            assertEquals(List.of("etcd", "etcdctl"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "nothing else left next to the binaries");
        }
        assertEquals(bin.resolve("etcd").toString(), BundleBinaries.ETCD.marker().replace(BundleBinaries.BIN_DIR, bin.toString()));
    }

    private static void run(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), script + ": " + out);
    }
}
