package io.kubeferry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.VerificationReport;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The upgrade's target bundle ({@link TestBundle#sharedNext()}): Kubernetes 1.33.5 from the 1.33 spec, the same
 * parts as the 1.32.9 bundle, the images of images/kubernetes-1.33.txt, a kubelet STAND-IN saying v1.33.5-standin;
 * usable in the same JVM as the 1.32.9 bundle. Needs root like {@link TestBundleIT}; {@code -Dtestbed.skip=true}
 * skips it.
 */
class TestBundleNextIT {
    static TestBundle next;

    @BeforeAll
    static void build() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the test bundle's checks need root (containerd)");
        next = TestBundle.sharedNext();
        System.out.printf("sharedNext() built in %.1f s%n", next.elapsed().toMillis() / 1000.0);
    }

    @Test
    void buildsAVerifiedBundleOfKubernetes133() {
        VerificationReport archive = new BundleVerifier().verifyArchive(next.archive());
        assertTrue(archive.ok(), archive.format());
        VerificationReport unpacked = new BundleVerifier().verifyDirectory(next.dir());
        assertTrue(unpacked.ok(), unpacked.format());
        assertEquals("kubeferry-1.33.5-linux-amd64", next.manifest().name());
        assertEquals(TestBundle.NEXT_KUBERNETES_VERSION, next.manifest().kubernetesVersion());
        assertTrue(next.dir().startsWith(TestBundle.repoRoot().resolve("e2e/target/test-bundle-next")), next.dir().toString());
    }

    @Test
    void listsTheSamePartsAndThe133Images() throws Exception {
        BundleManifest m = next.manifest();
        // the parts are this machine's binaries whatever the spec says (etcd 3.5.16 for the spec's 3.5.21); crictl is
        // a stand-in carrying the spec's version
        Map<String, String> expected = Map.of("kubelet", "1.33.5", "kubectl", "1.32.3", "containerd", "1.7.24",
                "etcd", "3.5.16", "runc", "1.1.5", "cni-plugins", "1.1.1", "crictl", "1.33.0");
        expected.forEach((name, version) -> {
            BundleManifest.Binary b = m.binary(name, "amd64").orElseThrow(() -> new AssertionError(name + " missing: " + m.binaries()));
            assertEquals(version, b.version(), name);
            assertTrue(Files.isRegularFile(next.dir().resolve(b.path())), b.path());
        });

        Set<String> images = m.images().stream().map(BundleManifest.ImageEntry::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(TestBundleIT.imageList(TestBundle.Release.NEXT), images);
        assertTrue(images.containsAll(Set.of("registry.k8s.io/kube-apiserver:v1.33.5", "registry.k8s.io/etcd:3.5.21-0",
                "registry.k8s.io/coredns/coredns:v1.12.0")), images.toString());
        assertTrue(next.realEtcdImage(), "the etcd image (a STAND-IN for 3.5.21) holds the real etcd 3.5.16");
    }

    @Test
    void theKubeletStandInReportsKubernetes133() throws Exception {
        assertEquals("Kubernetes v1.33.5-standin", TestBundleIT.kubeletVersion(next));
    }

    /** An upgrade test installs from the 1.32.9 bundle and upgrades with this one, in one JVM. */
    @Test
    void bothBundlesAreThereInOneJvm() throws Exception {
        TestBundle current = TestBundle.shared();
        assertEquals(TestBundle.KUBERNETES_VERSION, current.manifest().kubernetesVersion());
        assertNotEquals(current.dir(), next.dir());
        for (TestBundle b : new TestBundle[] {current, next}) {
            assertTrue(Files.isRegularFile(b.archive()), b.archive().toString());
            assertTrue(Files.isExecutable(b.dir().resolve("install")), b.dir().toString());
        }
        assertEquals("Kubernetes v1.32.9-standin", TestBundleIT.kubeletVersion(current));
        assertEquals("Kubernetes v1.33.5-standin", TestBundleIT.kubeletVersion(next));
        assertTrue(current.manifest().images().stream().anyMatch(i -> i.name().equals("registry.k8s.io/kube-apiserver:v1.32.9")));
    }
}
