package io.kubeferry.component;

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
            throw new IllegalStateException("flannel needs a pod subnet; the inventory loader always sets one");
        }
        return ComponentOutput.addons(List.of(addon(c, "flannel", "flannel/flannel.yaml.ftl")));
    }
}
