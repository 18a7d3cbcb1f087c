package io.kubeferry.inventory;

import java.util.Map;

/**
 * Cluster-wide settings from the inventory.
 *
 * @param extraArgs       per component (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kubelet,
 *                        kube-proxy) flag name without dashes to value; overrides defaults by name
 * @param imageRepository where images are named from (default registry.k8s.io; images come from the bundle)
 */
public record ClusterSpec(String name, KubernetesVersion kubernetesVersion, ControlPlaneEndpoint controlPlaneEndpoint,
                          Networking networking, CertificateOptions certificates,
                          Map<String, Map<String, String>> extraArgs, String imageRepository) {
    public static final String DEFAULT_IMAGE_REPOSITORY = "registry.k8s.io";

    public ClusterSpec {
        extraArgs = Map.copyOf(extraArgs.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> Map.copyOf(e.getValue()))));
    }

    public Map<String, String> extraArgsFor(String component) {
        return extraArgs.getOrDefault(component, Map.of());
    }
}
