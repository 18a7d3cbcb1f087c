package io.kubeferry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.support.Processes;
import io.kubeferry.builder.support.TempContainerd;
import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.VerificationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test bundle ({@link TestBundle}) is a real bundle: built by bundle-builder, accepted by the bundle's own
 * {@code ./install verify}, listing every binary and image a 1.32 cluster needs, with real binaries that run and
 * images that a real containerd (the bundle's own) imports. Needs root (containerd), like the testbed tests;
 * {@code -Dtestbed.skip=true} skips it.
 */
class TestBundleIT {
    static TestBundle bundle;

    @BeforeAll
    static void build() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the test bundle's checks need root (containerd)");
        bundle = TestBundle.shared();
    }

    @Test
    void buildsAVerifiedBundle() throws Exception {
        VerificationReport archive = new BundleVerifier().verifyArchive(bundle.archive());
        assertTrue(archive.ok(), archive.format());
        VerificationReport unpacked = new BundleVerifier().verifyDirectory(bundle.dir());
        assertTrue(unpacked.ok(), unpacked.format());
        assertEquals("kubeferry-1.32.9-linux-amd64", bundle.manifest().name());
        assertEquals("1.32.9", bundle.manifest().kubernetesVersion());
        assertFalse(Files.exists(bundle.dir().resolve("runtime")), "no Java runtime: jlink is skipped for tests");
    }

    @Test
    void installVerifyPassesWithThisJvmsJava() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Processes.Result r = Processes.exec(List.of("env", "PATH=/usr/bin:/bin", "KUBEFERRY_JAVA=" + java,
                bundle.dir().resolve("install").toString(), "verify"));
        assertEquals(0, r.exit(), r.out() + r.stderr());
    }

    @Test
    void manifestListsEveryBinaryWithTheVersionPackedAndEveryImage() throws Exception {
        BundleManifest m = bundle.manifest();
        Map<String, String> expected = Map.of("kubelet", "1.32.9", "kubectl", "1.32.3", "containerd", "1.7.24",
                "etcd", "3.5.16", "runc", "1.1.5", "cni-plugins", "1.1.1", "crictl", "1.32.0");
        expected.forEach((name, version) -> {
            BundleManifest.Binary b = m.binary(name, "amd64").orElseThrow(() -> new AssertionError(name + " missing: " + m.binaries()));
            assertEquals(version, b.version(), name);
            assertTrue(m.file(b.path()).isPresent(), b.path() + " not among the files");
            assertTrue(Files.isRegularFile(bundle.dir().resolve(b.path())), b.path());
        });

        Set<String> images = m.images().stream().map(BundleManifest.ImageEntry::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(imageList(), images);
    }

    @Test
    void binariesArePackedAsUpstreamAndRun(@TempDir Path scratch) throws Exception {
        BundleManifest m = bundle.manifest();
        assertEquals("bin/amd64/containerd-1.7.24-linux-amd64.tar.gz", m.binary("containerd", "amd64").orElseThrow().path());
        assertEquals(Set.of("bin/", "bin/containerd", "bin/ctr", "bin/containerd-shim-runc-v2"), entries(binary("containerd")));
        assertEquals(Set.of("etcd-v3.5.16-linux-amd64/", "etcd-v3.5.16-linux-amd64/etcd", "etcd-v3.5.16-linux-amd64/etcdctl"),
                entries(binary("etcd")));
        assertTrue(entries(binary("cni-plugins")).containsAll(Set.of("./bridge", "./host-local", "./loopback", "./portmap")));
        assertEquals("runc", binary("runc").getFileName().toString());

        for (String name : List.of("containerd", "etcd")) {
            Processes.run(List.of("tar", "xzf", binary(name).toString(), "-C", scratch.toString()));
        }
        assertTrue(Processes.run(List.of(scratch.resolve("bin/containerd").toString(), "--version")).contains(" 1.7.24"));
        assertTrue(Processes.run(List.of(scratch.resolve("etcd-v3.5.16-linux-amd64/etcd").toString(), "--version"))
                .contains("etcd Version: 3.5.16"));
        assertTrue(Processes.run(List.of(scratch.resolve("etcd-v3.5.16-linux-amd64/etcdctl").toString(), "version"))
                .contains("etcdctl version: 3.5.16"));
        assertTrue(Processes.run(List.of(binary("kubectl").toString(), "version", "--client")).contains("v1.32.3"));
        assertTrue(Processes.run(List.of(binary("runc").toString(), "--version")).contains("runc version 1.1.5"));
        // the crictl of the bundle is a stand-in, and says so
        Processes.run(List.of("tar", "xzf", binary("crictl").toString(), "-C", scratch.toString()));
        Processes.Result crictl = Processes.exec(List.of(scratch.resolve("crictl").toString(), "ps"));
        assertTrue(crictl.exit() != 0 && crictl.stderr().contains("crictl stand-in"), crictl.stderr());
    }

    /** The kubelet STAND-IN says it is the bundle's Kubernetes version (the Node's kubeletVersion is the same string). */
    @Test
    void theKubeletStandInReportsTheBundlesVersion() throws Exception {
        assertEquals("Kubernetes v1.32.9-standin", kubeletVersion(bundle));
    }

    /** {@code kubelet --version} of the bundle's kubelet (the stand-in's launcher, run here). */
    static String kubeletVersion(TestBundle b) throws Exception {
        Path kubelet = b.dir().resolve(b.manifest().binary("kubelet", "amd64").orElseThrow().path());
        return Processes.run(List.of(kubelet.toString(), "--version")).strip();
    }

    /**
     * The kubelet stand-in's launcher runs with this JVM's class path: under surefire that must be the real test class
     * path (not only surefire's booter jar), holding the testbed module where the stand-in lives.
     */
    @Test
    void thisJvmsClassPathHoldsTheTestbedModule() {
        List<String> entries = List.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator));
        assertTrue(entries.stream().anyMatch(e -> (e.contains("kubeferry-testbed") || e.endsWith("testbed/target/classes"))
                && Files.exists(Path.of(e))), entries.toString());
    }

    /** Imported into a throw-away containerd started from the bundle's own containerd archive. */
    @Test
    void imagesImportIntoTheBundlesContainerd(@TempDir Path scratch) throws Exception {
        Path containerd = Files.createDirectories(scratch.resolve("containerd"));
        Processes.run(List.of("tar", "xzf", binary("containerd").toString(), "-C", containerd.toString()));
        String etcd = "registry.k8s.io/etcd:3.5.16-0";
        String command = bundle.realEtcdImage() ? "etcd --version" : "/bin/busybox echo placeholder-etcd-image-ran";
        Processes.Result r = Processes.exec(List.of("env", "PATH=" + containerd.resolve("bin") + ":" + System.getenv("PATH"),
                "sh", "-c", TempContainerd.script(scratch.resolve("work").toString(),
                        bundle.dir().resolve("images/images.tar").toString(), etcd, command)));
        String out = r.out();
        assertEquals(0, r.exit(), out + r.stderr());
        String listed = out.substring(out.indexOf("--- images"), out.indexOf("--- run"));
        for (String image : imageList()) {
            assertTrue(listed.contains(image + "\n"), image + " not imported: " + listed);
        }
        assertTrue(bundle.realEtcdImage(), "the etcd image holds the real etcd");
        assertTrue(out.contains("etcd Version: 3.5.16"), out);
    }

    private static Path binary(String name) {
        return bundle.dir().resolve(bundle.manifest().binary(name, "amd64").orElseThrow().path());
    }

    private static Set<String> entries(Path tarGz) throws Exception {
        return Processes.run(List.of("tar", "tzf", tarGz.toString())).lines().collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> imageList() throws Exception {
        return imageList(TestBundle.Release.CURRENT);
    }

    /** The release's image list (images/kubernetes-1.32.txt): one reference per line, # comments. */
    static Set<String> imageList(TestBundle.Release release) throws Exception {
        return Files.readAllLines(TestBundle.repoRoot().resolve(release.imageList())).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
