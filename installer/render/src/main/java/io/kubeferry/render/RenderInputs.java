package io.kubeferry.render;

import io.kubeferry.component.HostFacts;
import io.kubeferry.component.ImageSet;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Inputs to a render besides the inventory.
 *
 * @param images       the bundle's images; empty for kubeadm's defaults for the cluster's version
 * @param clusterCaPem the cluster CA certificate (public part) from the PKI; without it cluster-info is skipped
 * @param hostFacts    facts per host name from the facts phase; a host without entry renders with defaults
 */
public record RenderInputs(Optional<ImageSet> images, Optional<byte[]> clusterCaPem, Map<String, HostFacts> hostFacts) {
    public RenderInputs {
        hostFacts = Map.copyOf(hostFacts);
    }

    public static RenderInputs none() {
        return new RenderInputs(Optional.empty(), Optional.empty(), Map.of());
    }

    public RenderInputs withImages(ImageSet set) {
        return new RenderInputs(Optional.of(set), clusterCaPem, hostFacts);
    }

    public RenderInputs withClusterCa(byte[] pem) {
        return new RenderInputs(images, Optional.of(pem.clone()), hostFacts);
    }

    public RenderInputs withHostFacts(String host, HostFacts facts) {
        Map<String, HostFacts> m = new HashMap<>(hostFacts);
        m.put(host, facts);
        return new RenderInputs(images, clusterCaPem, m);
    }
}
