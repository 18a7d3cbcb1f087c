package io.kubeferry.component;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.Networking;

import java.util.List;

/** Flannel (vxlan) as the CNI; its network is the inventory's pod subnet. */
public final class Flannel extends AddonComponent {
    @Override
    public String name() {
        return "flannel";
    }

    @Override
    public boolean enabled(Inventory inventory) {
        return inventory.cluster().networking().cni() == Networking.Cni.FLANNEL;
    }

    @Override
    public ComponentOutput render(RenderContext c) {
        if (c.cluster().networking().podSubnet() == null) {
            throw new BadInputException("cluster.networking.podSubnet",
                    "flannel needs a pod subnet; set one, e.g. 10.244.0.0/16");
        }
        return ComponentOutput.addons(List.of(addon(c, "flannel", "flannel/flannel.yaml.ftl")));
    }
}
