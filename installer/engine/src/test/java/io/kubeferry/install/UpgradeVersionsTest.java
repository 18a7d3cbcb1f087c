package io.kubeferry.install;

import io.kubeferry.inventory.KubernetesVersion;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** One minor at a time, never down, never across a major, and the kubelet skew: as kubeadm's upgrade plan. */
class UpgradeVersionsTest {
    private static KubernetesVersion v(String s) {
        return KubernetesVersion.parse(s).orElseThrow();
    }

    @Test
    void theNextMinorAndPatchesAreAllowedAndTheSameVersionIsAResumedRun() {
        assertTrue(UpgradeVersions.refusal(v("1.32.9"), v("1.33.5")).isEmpty());
        assertTrue(UpgradeVersions.refusal(v("1.33.0"), v("1.33.5")).isEmpty());
        assertTrue(UpgradeVersions.refusal(v("1.33.5"), v("1.33.5")).isEmpty());
        assertTrue(UpgradeVersions.refusal(v("1.33.5"), v("1.34.1")).isEmpty());
    }

    @Test
    void skippingAMinorADowngradeAndAnUnsupportedVersionAreRefusedWithTheWayOut() {
        String skip = UpgradeVersions.refusal(v("1.32.9"), v("1.34.1")).orElseThrow();
        assertTrue(skip.contains("one minor version at a time") && skip.contains("upgrade to 1.33 first"), skip);
        String down = UpgradeVersions.refusal(v("1.33.5"), v("1.32.9")).orElseThrow();
        assertTrue(down.contains("downgrade") && down.contains("--rollback"), down);
        assertTrue(UpgradeVersions.refusal(v("1.33.5"), v("1.33.1")).orElseThrow().contains("downgrade"));
        assertTrue(UpgradeVersions.refusal(v("1.34.1"), v("2.0.0")).orElseThrow().contains("major"));
        assertTrue(UpgradeVersions.refusal(v("1.34.1"), v("1.35.0")).orElseThrow().contains("supports Kubernetes 1.32 to 1.34"));
    }

    @Test
    void aKubeletNewerThanTheTargetOrTooFarBehindIsRefused() {
        assertTrue(UpgradeVersions.kubeletRefusal("w1", v("1.32.9"), v("1.33.5")).isEmpty());
        assertTrue(UpgradeVersions.kubeletRefusal("w1", v("1.30.0"), v("1.33.5")).isEmpty());
        assertTrue(UpgradeVersions.kubeletRefusal("w1", v("1.29.0"), v("1.33.5")).orElseThrow().contains("more than 3"));
        assertTrue(UpgradeVersions.kubeletRefusal("w1", v("1.34.0"), v("1.33.5")).orElseThrow().contains("newer"));
    }

    @Test
    void versionsAreReadFromKubeadmsClusterConfigurationAndFromGitVersions() {
        String cc = "apiServer: {}\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.32.9\n";
        assertEquals(v("1.32.9"), UpgradeVersions.fromClusterConfiguration(cc).orElseThrow());
        assertTrue(UpgradeVersions.fromClusterConfiguration("kind: ClusterConfiguration\n").isEmpty());
        assertEquals(v("1.33.5"), UpgradeVersions.fromGitVersion("v1.33.5-stand-in").orElseThrow());
        assertEquals(v("1.33.5"), UpgradeVersions.fromGitVersion("v1.33.5+k3s1").orElseThrow());
        assertTrue(UpgradeVersions.fromGitVersion("devel").isEmpty());
    }
}
