package io.kubeferry.component;

import java.util.List;

/**
 * Installer-side settings that are not part of the inventory.
 *
 * @param binDir                where the bundle installs kubelet and containerd on hosts
 * @param criSocket             the container runtime socket (containerd)
 * @param registryMirror        the registry holding the bundle's images as seen from the nodes (e.g.
 *                              {@code http://10.0.0.10:5000}), or null when images are imported into
 *                              containerd directly; either way nothing is pulled from the internet
 * @param upstreamRegistries    registry names that get a containerd hosts.toml pinning them to the mirror
 */
public record RenderSettings(String binDir, String criSocket, String registryMirror, List<String> upstreamRegistries) {
    /** Pull target used when there is no mirror: the reserved .invalid TLD never resolves, so a pull fails at once. */
    public static final String NO_PULL_SERVER = "https://pull-disabled.kubeferry.invalid";

    public RenderSettings {
        upstreamRegistries = List.copyOf(upstreamRegistries);
    }

    public static RenderSettings defaults() {
        return new RenderSettings("/usr/local/bin", "unix:///var/run/containerd/containerd.sock", null,
                List.of("registry.k8s.io", "docker.io", "ghcr.io", "quay.io"));
    }

    public RenderSettings withBinDir(String dir) {
        return new RenderSettings(dir, criSocket, registryMirror, upstreamRegistries);
    }

    public RenderSettings withRegistryMirror(String mirror) {
        return new RenderSettings(binDir, criSocket, mirror, upstreamRegistries);
    }
}
