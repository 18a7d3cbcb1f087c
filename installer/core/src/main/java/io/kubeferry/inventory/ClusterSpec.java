package io.kubeferry.inventory;

import java.util.Map;

/**
 * Cluster-wide settings from the inventory.
 *
 * @param extraArgs       per component (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kubelet,
 *                        kube-proxy) flag name without dashes to value; overrides defaults by name
 * @param imageRepository where images are named from (default registry.k8s.io; images come from the bundle)
 * @param etcd            where etcd runs ({@code cluster.etcd.mode})
 */
public record ClusterSpec(String name, KubernetesVersion kubernetesVersion, ControlPlaneEndpoint controlPlaneEndpoint,
                          Networking networking, CertificateOptions certificates,
                          Map<String, Map<String, String>> extraArgs, String imageRepository, EtcdSettings etcd) {
    public static final String DEFAULT_IMAGE_REPOSITORY = "registry.k8s.io";

    public ClusterSpec {
        java.util.Objects.requireNonNull(etcd, "etcd");
        extraArgs = Map.copyOf(extraArgs.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> Map.copyOf(e.getValue()))));
    }

    /** With kubeadm's stacked etcd (static pods), the default. */
    public ClusterSpec(String name, KubernetesVersion kubernetesVersion, ControlPlaneEndpoint controlPlaneEndpoint,
                       Networking networking, CertificateOptions certificates,
                       Map<String, Map<String, String>> extraArgs, String imageRepository) {
        this(name, kubernetesVersion, controlPlaneEndpoint, networking, certificates, extraArgs, imageRepository,
                EtcdSettings.STATIC_POD);
    }

    public Map<String, String> extraArgsFor(String component) {
        return extraArgs.getOrDefault(component, Map.of());
    }
}
