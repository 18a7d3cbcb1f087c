package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/** The controller-manager static pod on every control-plane node. */
public final class KubeControllerManager extends StaticPodComponent {
    @Override
    protected java.util.Set<String> pkiFilesRead() {
        return pki("ca.crt", "ca.key", "sa.key", "front-proxy-ca.crt", "/etc/kubernetes/controller-manager.conf");
    }

    @Override
    public String name() {
        return "kube-controller-manager";
    }

    @Override
    protected String template() {
        return "kube-controller-manager/kube-controller-manager.yaml.ftl";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.controlPlanes();
    }
}
