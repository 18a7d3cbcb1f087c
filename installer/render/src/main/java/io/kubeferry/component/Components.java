package io.kubeferry.component;

import io.kubeferry.inventory.Inventory;

import java.util.List;

/** The registry of components, in the order they are rendered, started and (reversed) cleaned. */
public final class Components {
    private Components() {
    }

    /** Every component Kubeferry knows; a new one is one more line here. A fresh list each call. */
    public static List<Component> standard() {
        return List.of(
                new KernelSettings(),
                new Containerd(),
                new Kubelet(),
                new ApiServerProxy(),
                new Etcd(),
                new EtcdHostService(),
                new KubeApiServer(),
                new KubeControllerManager(),
                new KubeScheduler(),
                new ClusterConfig(),
                new KubeProxy(),
                new CoreDns(),
                new Flannel());
    }

    /** The components this inventory uses (every CNI of the model has its component). */
    public static List<Component> forInventory(List<Component> all, Inventory inventory) {
        return all.stream().filter(c -> c.enabled(inventory)).toList();
    }
}
