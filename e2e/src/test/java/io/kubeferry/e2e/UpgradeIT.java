package io.kubeferry.e2e;

import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A cluster upgraded across one minor version on the test datacenter: 2 control planes (kf-h1, kf-h2) and a worker
 * (kf-h3), local-proxy mode, installed from the 1.32.9 test bundle, then {@code installer upgrade} run from the 1.33.5
 * test bundle (other image tags, another kubelet STAND-IN version; {@link TestBundle#sharedNext}). The API server and
 * kubelet are STAND-INs that report the version of their image and binary; etcd (the 3.5.21-0 image tag holds the same
 * real etcd 3.5.16: a STAND-IN for the newer etcd), containerd, haproxy and sshd are real.
 * <ol>
 *   <li>a dry run changes nothing;</li>
 *   <li>with kf-h2's new kube-apiserver made to crash (the kubelet STAND-IN's fault injection, a file on that host), the
 *       upgrade stops at kf-h2 (exit 1): kf-h1 serves 1.33.5, the worker is untouched, the cluster answers;</li>
 *   <li>the fault removed, the upgrade run again goes on from there (kf-h1 not touched again) and brings every node to
 *       1.33.5; the etcd snapshot taken before the first run is kept (and etcdctl reads it); a third run changes
 *       nothing; the 1.32.9 bundle's upgrade is refused as a downgrade (exit 2);</li>
 *   <li>{@code upgrade --rollback --restore-etcd} returns every node to 1.32.9 (workers first) and etcd to the snapshot
 *       (a ConfigMap written after it is gone), a second rollback has nothing to do, and the 1.32.9 bundle's apply
 *       brings the addons back.</li>
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeIT {
    static final Path ETCDCTL = Path.of("/var/lib/kubeferry-tools/trixie/usr/bin/etcdctl");
    /** The kubelet STAND-IN's fault injection: containers of the images listed there crash at start. */
    static final String CRASH_IMAGES = "/var/lib/kubelet/standin-crash-images";
    static TestBundle from;
    static TestBundle to;
    static Testbed tb;
    static Path dir;
    static Path inventory;
    static String fromTag;
    static String toTag;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(3);
        from = TestBundle.shared();
        to = TestBundle.sharedNext();
        fromTag = "v" + TestBundle.KUBERNETES_VERSION;
        toTag = "v" + TestBundle.NEXT_KUBERNETES_VERSION;
        dir = Files.createTempDirectory("kubeferry-upgrade-it");
        inventory = inventory(TestBundle.KUBERNETES_VERSION);
    }

    private static Path inventory(String version) throws Exception {
        return Install.writeInventory(dir, """
                cluster:
                  name: up
                  kubernetesVersion: %s
                  controlPlaneEndpoint: {mode: local-proxy}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: kf-h1, address: 10.250.0.11, roles: [control-plane]}
                  - {name: kf-h2, address: 10.250.0.12, roles: [control-plane]}
                  - {name: kf-h3, address: 10.250.0.13, roles: [worker]}
                """.formatted(version, tb.privateKey(), tb.knownHosts()));
    }

    private static Path admin() {
        return dir.resolve(".kubeferry/up/pki/admin.conf");
    }

    /** The gitVersion kf-hN's own API server answers. */
    private static String apiVersion(int host) throws Exception {
        Install.Run r = Install.kubectl(admin(), "https://10.250.0.1" + host + ":6443", "version", "-o", "json");
        assertEquals(0, r.exit(), r.output());
        var m = java.util.regex.Pattern.compile("\"serverVersion\"[\\s\\S]*?\"gitVersion\":\\s*\"([^\"]+)\"").matcher(r.output());
        assertTrue(m.find(), r.output());
        return m.group(1);
    }

    /** Per node: its kubelet version and whether it is unschedulable, as the API has them. */
    private static Map<String, String> nodes() throws Exception {
        Install.Run r = Install.kubectl(admin(), "https://10.250.0.11:6443", "get", "nodes", "-o",
                "custom-columns=NAME:.metadata.name,KUBELET:.status.nodeInfo.kubeletVersion,UNSCHEDULABLE:.spec.unschedulable,"
                        + "READY:.status.conditions[?(@.type==\"Ready\")].status", "--no-headers");
        assertEquals(0, r.exit(), r.output());
        Map<String, String> out = new LinkedHashMap<>();
        r.output().lines().map(l -> l.trim().split("\\s+")).forEach(f -> out.put(f[0], f[1] + " " + f[2] + " " + f[3]));
        return out;
    }

    private static String kubeletAt(String tag) {
        return tag + "-standin <none> True";
    }

    @Test
    @Order(1)
    void theClusterIsInstalledAtTheOlderVersion() throws Exception {
        long start = System.nanoTime();
        Install.Run r = Install.run(from, "apply", "-i", inventory.toString());
        System.out.printf("UpgradeIT: install took %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(apiVersion(1).startsWith(fromTag), apiVersion(1));
        assertEquals(Map.of("kf-h1", kubeletAt(fromTag), "kf-h2", kubeletAt(fromTag), "kf-h3", kubeletAt(fromTag)), nodes());
    }

    @Test
    @Order(2)
    void aDryRunSaysWhatWouldChangeAndChangesNothing() throws Exception {
        Map<String, String> before = Install.snapshots(tb, 3);
        Install.Run dry = Install.run(to, "upgrade", "-i", inventory.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.output().contains("Kubernetes " + TestBundle.KUBERNETES_VERSION + " -> " + TestBundle.NEXT_KUBERNETES_VERSION),
                dry.output());
        assertTrue(dry.output().contains("save a snapshot of etcd"), dry.output());
        assertTrue(dry.output().contains("kube-apiserver: write /etc/kubernetes/manifests/kube-apiserver.yaml"), dry.output());
        assertTrue(dry.output().contains("install kubelet"), dry.output());
        assertEquals(before, Install.snapshots(tb, 3), "the dry run changed files or restarted services");
        assertFalse(Files.exists(dir.resolve(".kubeferry/up/backups")), "the dry run took a snapshot");
    }

    @Test
    @Order(3)
    void aFailureOnTheSecondControlPlaneStopsTheRolloutWithTheClusterServing() throws Exception {
        String crashing = "registry.k8s.io/kube-apiserver:" + toTag;
        assertEquals(0, tb.exec(tb.host(2), "mkdir -p /var/lib/kubelet && echo " + crashing + " > " + CRASH_IMAGES).exitCode());
        long start = System.nanoTime();
        Install.Run r = Install.run(to, "upgrade", "-i", inventory.toString());
        System.out.printf("UpgradeIT: upgrade stopped at kf-h2 after %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.output().contains("the upgrade stopped at kf-h2"), r.output());
        assertTrue(r.output().contains("upgraded: kf-h1"), r.output());
        assertTrue(r.output().contains("keeps exiting"), r.output());
        assertTrue(r.output().contains("container kube-apiserver exited; its last log lines:"), r.output());
        assertTrue(r.output().contains("STAND-IN fault injection"), "the diagnosis shows the crashed container's log:\n" + r.output());
        assertTrue(r.output().contains("installer upgrade --rollback"), r.output());
        assertTrue(r.output().contains("cluster.kubernetesVersion is " + TestBundle.KUBERNETES_VERSION), r.output());

        assertTrue(apiVersion(1).startsWith(toTag), "kf-h1 serves " + apiVersion(1));
        Map<String, String> nodes = nodes(); // answered: the cluster serves through kf-h1
        assertEquals(kubeletAt(toTag), nodes.get("kf-h1"), nodes.toString());
        assertEquals(kubeletAt(fromTag), nodes.get("kf-h3"), "the worker is not touched: " + nodes);
        assertEquals(0, tb.exec(tb.host(2), "test -f /var/lib/kubeferry/upgrade-backup/to").exitCode(), "kf-h2 saved its files");
        assertNotEquals(0, tb.exec(tb.host(3), "test -e /var/lib/kubeferry/upgrade-backup").exitCode());
        assertTrue(Files.isRegularFile(snapshot()), "the etcd snapshot is on this machine");
    }

    private static Path snapshot() {
        return dir.resolve(".kubeferry/up/backups/etcd-before-" + TestBundle.NEXT_KUBERNETES_VERSION + ".db");
    }

    @Test
    @Order(4)
    void runAgainTheUpgradeGoesOnFromTheFailedHostAndEveryNodeReachesTheNewVersion() throws Exception {
        assertEquals(0, tb.exec(tb.host(2), "rm -f " + CRASH_IMAGES).exitCode());
        var snapshotTime = Files.getLastModifiedTime(snapshot());
        byte[] adminBefore = Files.readAllBytes(admin());
        String h1 = Install.snapshot(tb, tb.host(1));
        inventory = inventory(TestBundle.NEXT_KUBERNETES_VERSION); // as the first run told the user
        long start = System.nanoTime();
        Install.Run r = Install.run(to, "upgrade", "-i", inventory.toString());
        System.out.printf("UpgradeIT: resumed upgrade took %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("kf-h1: at " + TestBundle.NEXT_KUBERNETES_VERSION), r.output());
        assertArrayEquals(adminBefore, Files.readAllBytes(admin()), "the certificates are renewed once per upgrade");
        assertEquals(snapshotTime, Files.getLastModifiedTime(snapshot()), "the first run's snapshot is kept");
        // kf-h1 was at the new version: nothing on it rewritten or restarted (its PKI and the distribute's files aside)
        assertEquals(h1.lines().filter(l -> l.contains("/manifests/") || l.contains("systemctl-standin")).toList(),
                Install.snapshot(tb, tb.host(1)).lines().filter(l -> l.contains("/manifests/") || l.contains("systemctl-standin")).toList());

        for (int h = 1; h <= 2; h++) {
            assertTrue(apiVersion(h).startsWith(toTag), "kf-h" + h + " serves " + apiVersion(h));
        }
        assertEquals(Map.of("kf-h1", kubeletAt(toTag), "kf-h2", kubeletAt(toTag), "kf-h3", kubeletAt(toTag)), nodes());
        Install.Run cc = Install.kubectl(admin(), "https://10.250.0.11:6443", "-n", "kube-system", "get", "configmap",
                "kubeadm-config", "-o", "jsonpath={.data.ClusterConfiguration}");
        assertTrue(cc.output().contains("kubernetesVersion: " + toTag), cc.output());

        // the snapshot is one etcd can restore: its own tool reads it
        Install.Run status = Install.command(List.of(ETCDCTL.toString(), "snapshot", "status", snapshot().toString(), "-w", "table"));
        assertEquals(0, status.exit(), status.output());
        assertTrue(status.output().contains("TOTAL KEYS"), status.output());

        start = System.nanoTime();
        Install.Run again = Install.run(to, "upgrade", "-i", inventory.toString());
        System.out.printf("UpgradeIT: a third upgrade (nothing to do) took %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.output().contains("Nothing changed"), "a second upgrade changed something:\n" + again.output());

        Install.Run down = Install.run(from, "upgrade", "-i", inventory(TestBundle.KUBERNETES_VERSION).toString());
        assertEquals(2, down.exit(), down.toString());
        assertTrue(down.output().contains("downgrade"), down.output());
    }

    @Test
    @Order(5)
    void rollbackReturnsEveryNodeToTheOlderVersionAndEtcdToTheSnapshot() throws Exception {
        inventory = inventory(TestBundle.KUBERNETES_VERSION);
        Install.Run dry = Install.run(from, "upgrade", "--rollback", "-i", inventory.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.output().contains("restore the files saved in /var/lib/kubeferry/upgrade-backup"), dry.output());

        // written after the snapshot: gone once etcd is put back to it
        // server-side apply: kubectl's create sends protobuf, which the stand-in API server does not read
        Path cm = Files.writeString(dir.resolve("written-after-the-snapshot.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: written-after-the-snapshot, namespace: kube-system}
                data: {k: v}
                """);
        Install.Run created = Install.kubectl(admin(), "https://10.250.0.11:6443", "apply", "--server-side", "-f", cm.toString());
        assertEquals(0, created.exit(), created.output());

        long start = System.nanoTime();
        Install.Run r = Install.run(from, "upgrade", "--rollback", "--restore-etcd", "-i", inventory.toString());
        System.out.printf("UpgradeIT: rollback with the etcd restore took %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.output().contains("etcd: every member restored from"), r.output());
        Install.Run gone = Install.kubectl(admin(), "https://10.250.0.12:6443", "-n", "kube-system", "get", "configmap",
                "written-after-the-snapshot");
        assertNotEquals(0, gone.exit(), "etcd was not put back to the snapshot:\n" + gone.output());
        assertTrue(gone.output().contains("NotFound") || gone.output().contains("not found"), gone.output());
        assertTrue(r.output().indexOf("kf-h3: back at") < r.output().indexOf("kf-h1: back at"), "workers first:\n" + r.output());
        for (int h = 1; h <= 2; h++) {
            assertTrue(apiVersion(h).startsWith(fromTag), "kf-h" + h + " serves " + apiVersion(h));
        }
        assertEquals(Map.of("kf-h1", kubeletAt(fromTag), "kf-h2", kubeletAt(fromTag), "kf-h3", kubeletAt(fromTag)), nodes());
        String manifest = tb.exec(tb.host(2), "cat /etc/kubernetes/manifests/kube-apiserver.yaml").stdout();
        assertTrue(manifest.contains("kube-apiserver:" + fromTag), manifest);

        Install.Run again = Install.run(from, "upgrade", "--rollback", "--restore-etcd", "-i", inventory.toString());
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.output().contains("nothing to roll back"), again.output());
        assertTrue(Files.exists(dir.resolve(".kubeferry/up/upgrades").resolve("attempt")) == false,
                "the rolled-back upgrade's record is moved aside");

        // the older bundle's apply brings the addons and kubeadm-config back to its version
        Install.Run apply = Install.run(from, "apply", "-i", inventory.toString());
        assertEquals(0, apply.exit(), apply.toString());
        Install.Run cc = Install.kubectl(admin(), "https://10.250.0.11:6443", "-n", "kube-system", "get", "configmap",
                "kubeadm-config", "-o", "jsonpath={.data.ClusterConfiguration}");
        assertTrue(cc.output().contains("kubernetesVersion: " + fromTag), cc.output());
    }
}
