package io.kubeferry.inventory;

/**
 * Which API server URL each consumer uses, in one place: the PKI writes every kubeconfig with these, rendering
 * puts them in kube-proxy's and cluster-info's configuration, and the install talks to the cluster through
 * {@link #forCluster}.
 */
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
