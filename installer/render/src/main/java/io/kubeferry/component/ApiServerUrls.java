package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

/** Which API server URL each consumer uses, in one place (the PKI module writes kubeconfigs with these). */
public final class ApiServerUrls {
    private ApiServerUrls() {
    }

    /**
     * The server of a node's {@code kubelet.conf}: the control-plane endpoint, except that from 1.33 a
     * control-plane kubelet uses its own apiserver (kubeadm's ControlPlaneKubeletLocalMode, reference 2).
     */
    public static String forKubelet(Inventory inventory, Host host) {
        if (host.isControlPlane() && inventory.cluster().kubernetesVersion().atLeast(33)) {
            return inventory.localApiServerUrl(host);
        }
        return inventory.controlPlaneUrl();
    }

    /** controller-manager.conf and scheduler.conf: the node's own apiserver. */
    public static String forControlPlaneComponent(Inventory inventory, Host host) {
        return inventory.localApiServerUrl(host);
    }

    /** admin.conf, super-admin.conf, cluster-info, kube-proxy and everything off the control plane. */
    public static String forCluster(Inventory inventory) {
        return inventory.controlPlaneUrl();
    }
}
