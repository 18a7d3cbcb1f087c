package io.kubeferry.install;

import io.kubeferry.inventory.KubernetesVersion;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Which upgrades Kubeferry makes: as kubeadm, one minor version at a time, never down, never across a major. */
final class UpgradeVersions {
    /** Since 1.28 a kubelet may be three minors older than its API server, never newer. */
    static final int KUBELET_MAX_MINORS_BEHIND = 3;
    private static final Pattern CLUSTER_CONFIGURATION_VERSION = Pattern.compile("(?m)^kubernetesVersion:\\s*\"?(v?[0-9.]+)\"?\\s*$");
    private static final Pattern GIT_VERSION = Pattern.compile("^v?(\\d+\\.\\d+\\.\\d+)");

    private UpgradeVersions() {
    }

    /** Why the cluster cannot go from {@code from} to {@code to} in one upgrade; empty when it can. */
    static Optional<String> refusal(KubernetesVersion from, KubernetesVersion to) {
        if (to.major() != from.major()) {
            return Optional.of("the cluster runs " + from + " and the bundle carries " + to + ": Kubeferry does not upgrade"
                    + " across major versions");
        }
        if (to.compareTo(from) < 0) {
            return Optional.of("the cluster runs " + from + ", newer than the bundle's " + to + ": a downgrade is not an"
                    + " upgrade; during a failed upgrade `installer upgrade --rollback` returns the hosts to their files"
                    + " from before it");
        }
        if (to.minor() > from.minor() + 1) {
            return Optional.of("the cluster runs " + from + " and the bundle carries " + to + ": one minor version at a time"
                    + " (as kubeadm); upgrade to 1." + (from.minor() + 1) + " first, with a bundle of that version, then to " + to);
        }
        if (!to.isSupported()) {
            return Optional.of("Kubeferry supports Kubernetes 1." + KubernetesVersion.MIN_SUPPORTED_MINOR + " to 1."
                    + KubernetesVersion.MAX_SUPPORTED_MINOR + ", not " + to);
        }
        return Optional.empty();
    }

    /** Why a node's kubelet at {@code kubelet} cannot stay while the control plane goes to {@code to}; empty when it can. */
    static Optional<String> kubeletRefusal(String node, KubernetesVersion kubelet, KubernetesVersion to) {
        if (kubelet.compareTo(to) > 0) {
            return Optional.of("node " + node + " runs kubelet " + kubelet + ", newer than " + to + " (a kubelet must not be"
                    + " newer than its API server)");
        }
        if (to.minor() - kubelet.minor() > KUBELET_MAX_MINORS_BEHIND) {
            return Optional.of("node " + node + " runs kubelet " + kubelet + ", more than " + KUBELET_MAX_MINORS_BEHIND
                    + " minor versions behind " + to + ": upgrade it first");
        }
        return Optional.empty();
    }

    /** The kubernetesVersion of kubeadm's ClusterConfiguration (the kubeadm-config ConfigMap). */
    static Optional<KubernetesVersion> fromClusterConfiguration(String yaml) {
        Matcher m = CLUSTER_CONFIGURATION_VERSION.matcher(yaml == null ? "" : yaml);
        return m.find() ? KubernetesVersion.parse(m.group(1)) : Optional.empty();
    }

    /** The release in a gitVersion ({@code v1.33.5}, {@code v1.33.5-stand-in}, {@code v1.33.5+k3s1}). */
    static Optional<KubernetesVersion> fromGitVersion(String gitVersion) {
        Matcher m = GIT_VERSION.matcher(gitVersion == null ? "" : gitVersion.strip());
        return m.find() ? KubernetesVersion.parse(m.group(1)) : Optional.empty();
    }
}
