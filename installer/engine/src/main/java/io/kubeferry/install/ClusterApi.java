package io.kubeferry.install;

import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.pki.PkiLayout;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the cluster's API for the installer with a kubeconfig of the state directory. In local-proxy mode the
 * endpoint's name resolves only on the nodes, so the installer connects to a control plane's address instead;
 * the server certificate is checked against the cluster CA and the kubeconfig's server name either way.
 */
public final class ClusterApi {
    private ClusterApi() {
    }

    public static KubeApi open(Inventory inventory, String kubeconfigName) {
        return KubeApi.connect(read(inventory, kubeconfigName), kubeconfigName, connectTo(inventory));
    }

    /** Straight to one control plane's API server (its own address), checked against the kubeconfig's server name. */
    public static KubeApi openOn(Inventory inventory, Host controlPlane, String kubeconfigName) {
        return KubeApi.connect(read(inventory, kubeconfigName), kubeconfigName, direct(inventory, controlPlane));
    }

    public static Path kubeconfig(Inventory inventory, String name) {
        return PkiLayout.of(inventory).root().resolve(name);
    }

    /** Where the installer connects: null for the kubeconfig's own server, else the first control plane. */
    static URI connectTo(Inventory inventory) {
        if (inventory.cluster().controlPlaneEndpoint().mode() == ControlPlaneEndpoint.Mode.LOCAL_PROXY) {
            return direct(inventory, inventory.controlPlanes().get(0));
        }
        return null;
    }

    static URI direct(Inventory inventory, Host controlPlane) {
        String address = controlPlane.internalAddress();
        return URI.create("https://" + (address.contains(":") ? "[" + address + "]" : address) + ":"
                + inventory.cluster().controlPlaneEndpoint().port());
    }

    private static byte[] read(Inventory inventory, String name) {
        Path file = kubeconfig(inventory, name);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "reading", e);
        }
    }
}
