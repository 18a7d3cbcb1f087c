package io.kubeferry.render;

import io.kubeferry.host.HostFacts;
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
 * @param externalCa   the cluster CA is external: {@code ca.crt} without {@code ca.key} in the state directory, so
 *                     no host gets the CA key and the controller-manager signs nothing (kubeadm's UsingExternalCA)
 */
public record RenderInputs(Optional<ImageSet> images, Optional<byte[]> clusterCaPem, Map<String, HostFacts> hostFacts,
                           boolean externalCa) {
    public RenderInputs {
        hostFacts = Map.copyOf(hostFacts);
    }

    public static RenderInputs none() {
        return new RenderInputs(Optional.empty(), Optional.empty(), Map.of(), false);
    }

    public RenderInputs withImages(ImageSet set) {
        return new RenderInputs(Optional.of(set), clusterCaPem, hostFacts, externalCa);
    }

    public RenderInputs withClusterCa(byte[] pem) {
        return new RenderInputs(images, Optional.of(pem.clone()), hostFacts, externalCa);
    }

    public RenderInputs withHostFacts(String host, HostFacts facts) {
        Map<String, HostFacts> m = new HashMap<>(hostFacts);
        m.put(host, facts);
        return new RenderInputs(images, clusterCaPem, m, externalCa);
    }

    /** See {@code externalCa} above; the CLI knows it from the state directory's pki/ca.crt and pki/ca.key. */
    public RenderInputs withExternalCa(boolean external) {
        return new RenderInputs(images, clusterCaPem, hostFacts, external);
    }
}
