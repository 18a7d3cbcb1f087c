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
 * @param etcdJoins    per etcd member that joined a running cluster, the initial-cluster string it was added with
 *                     (the state directory's {@code etcd/joins/<host>}); such a member starts with
 *                     {@code --initial-cluster-state=existing}, the others are the first install's members
 * @param etcdFirstCluster the first install's initial cluster as recorded once the cluster ran (the state directory's
 *                     {@code etcd/initial-cluster}): its members keep it when members are removed; empty before
 *                     (it is then made from the members without a join record)
 */
public record RenderInputs(Optional<ImageSet> images, Optional<byte[]> clusterCaPem, Map<String, HostFacts> hostFacts,
                           boolean externalCa, Map<String, String> etcdJoins, Optional<String> etcdFirstCluster) {
    public RenderInputs {
        hostFacts = Map.copyOf(hostFacts);
        etcdJoins = Map.copyOf(etcdJoins);
    }

    public RenderInputs(Optional<ImageSet> images, Optional<byte[]> clusterCaPem, Map<String, HostFacts> hostFacts,
                        boolean externalCa) {
        this(images, clusterCaPem, hostFacts, externalCa, Map.of(), Optional.empty());
    }

    /** See {@code etcdFirstCluster} above. */
    public RenderInputs withEtcdFirstCluster(Optional<String> initialCluster) {
        return new RenderInputs(images, clusterCaPem, hostFacts, externalCa, etcdJoins, initialCluster);
    }

    public static RenderInputs none() {
        return new RenderInputs(Optional.empty(), Optional.empty(), Map.of(), false);
    }

    /** See {@code etcdJoins} above. */
    public RenderInputs withEtcdJoins(Map<String, String> joins) {
        return new RenderInputs(images, clusterCaPem, hostFacts, externalCa, joins, etcdFirstCluster);
    }

    public RenderInputs withImages(ImageSet set) {
        return new RenderInputs(Optional.of(set), clusterCaPem, hostFacts, externalCa, etcdJoins, etcdFirstCluster);
    }

    public RenderInputs withClusterCa(byte[] pem) {
        return new RenderInputs(images, Optional.of(pem.clone()), hostFacts, externalCa, etcdJoins, etcdFirstCluster);
    }

    public RenderInputs withHostFacts(String host, HostFacts facts) {
        Map<String, HostFacts> m = new HashMap<>(hostFacts);
        m.put(host, facts);
        return new RenderInputs(images, clusterCaPem, m, externalCa, etcdJoins, etcdFirstCluster);
    }

    /** See {@code externalCa} above; the CLI knows it from the state directory's pki/ca.crt and pki/ca.key. */
    public RenderInputs withExternalCa(boolean external) {
        return new RenderInputs(images, clusterCaPem, hostFacts, external, etcdJoins, etcdFirstCluster);
    }
}
