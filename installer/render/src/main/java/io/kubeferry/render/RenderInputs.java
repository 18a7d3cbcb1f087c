package io.kubeferry.render;

import io.kubeferry.component.ImageSet;

import java.util.Optional;

/**
 * Inputs to a render besides the inventory.
 *
 * @param images       the bundle's images; empty for kubeadm's defaults for the cluster's version
 * @param clusterCaPem the cluster CA certificate (public part) from the PKI; without it cluster-info is skipped
 */
public record RenderInputs(Optional<ImageSet> images, Optional<byte[]> clusterCaPem) {
    public static RenderInputs none() {
        return new RenderInputs(Optional.empty(), Optional.empty());
    }

    public RenderInputs withImages(ImageSet set) {
        return new RenderInputs(Optional.of(set), clusterCaPem);
    }

    public RenderInputs withClusterCa(byte[] pem) {
        return new RenderInputs(images, Optional.of(pem.clone()));
    }
}
