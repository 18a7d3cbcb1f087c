package io.kubeferry.component;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.Networking;

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
                new KubeApiServer(),
                new KubeControllerManager(),
                new KubeScheduler(),
                new ClusterConfig(),
                new KubeProxy(),
                new CoreDns(),
                new Flannel());
    }

    /** The components this inventory uses; fails when its CNI has no component yet. */
    public static List<Component> forInventory(List<Component> all, Inventory inventory) {
        Networking.Cni cni = inventory.cluster().networking().cni();
        if (cni != Networking.Cni.FLANNEL) {
            throw new BadInputException("cluster.networking.cni", "CNI '" + cni.yamlName()
                    + "' has no templates yet; use 'flannel'");
        }
        return all.stream().filter(c -> c.enabled(inventory)).toList();
    }
}
