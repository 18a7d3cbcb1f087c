package io.kubeferry.inventory;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The user's whole description of the cluster, validated and immutable. Facts gathered from hosts are
 * kept elsewhere (keyed by host name), never in here.
 *
 * @param source the inventory file it was read from (its directory holds the cluster state)
 */
public record Inventory(Path source, ClusterSpec cluster, List<Host> hosts) {
    public Inventory {
        hosts = List.copyOf(hosts);
    }

    /**
     * The same inventory asking for another Kubernetes version ({@code installer upgrade} with an inventory that still
     * names the version the cluster runs).
     */
    public Inventory withKubernetesVersion(KubernetesVersion version) {
        ClusterSpec c = cluster;
        return new Inventory(source, new ClusterSpec(c.name(), version, c.controlPlaneEndpoint(), c.networking(),
                c.certificates(), c.extraArgs(), c.imageRepository(), c.etcd()), hosts);
    }

    public List<Host> controlPlanes() {
        return hosts.stream().filter(h -> h.has(Role.CONTROL_PLANE)).toList();
    }

    public List<Host> workers() {
        return hosts.stream().filter(h -> !h.has(Role.CONTROL_PLANE) && h.has(Role.WORKER)).toList();
    }

    /** Hosts that run a kubelet: everything that is control-plane or worker. */
    public List<Host> nodes() {
        return hosts.stream().filter(h -> h.has(Role.CONTROL_PLANE) || h.has(Role.WORKER)).toList();
    }

    /**
     * The etcd members Kubeferry installs: with static pods the hosts with the etcd role, or the control-plane hosts
     * when none has it (stacked etcd); as host services the hosts with the etcd role; none for an external etcd.
     */
    public List<Host> etcdMembers() {
        List<Host> explicit = hosts.stream().filter(h -> h.has(Role.ETCD)).toList();
        return switch (cluster.etcd().mode()) {
            case STATIC_POD -> explicit.isEmpty() ? controlPlanes() : explicit;
            case HOST_SERVICE -> explicit;
            case EXTERNAL -> List.of();
        };
    }

    public EtcdSettings.Mode etcdMode() {
        return cluster.etcd().mode();
    }

    public Optional<Host> host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst();
    }

    /** The directory holding this cluster's state (PKI, logs, run records): {@code <inventory dir>/.kubeferry/<cluster>}. */
    public Path stateDir() {
        Path dir = source.toAbsolutePath().normalize().getParent();
        return dir.resolve(".kubeferry").resolve(cluster.name());
    }

    /** The API server URL every kubeconfig that leaves the control plane uses: the one control-plane endpoint. */
    public String controlPlaneUrl() {
        return cluster.controlPlaneEndpoint().url();
    }

    /** The host's own apiserver, for components on a control-plane node (kubeadm's local API endpoint). */
    public String localApiServerUrl(Host controlPlane) {
        return Addresses.httpsUrl(controlPlane.internalAddress(), ControlPlaneEndpoint.DEFAULT_PORT);
    }
}
