package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/** The API server static pod on every control-plane node. */
public final class KubeApiServer extends StaticPodComponent {
    @Override
    public String name() {
        return "kube-apiserver";
    }

    @Override
    protected String template() {
        return "kube-apiserver/kube-apiserver.yaml.ftl";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.controlPlanes();
    }
}
