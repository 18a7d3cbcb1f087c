package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/** The API server static pod on every control-plane node. */
public final class KubeApiServer extends StaticPodComponent {
    @Override
    protected java.util.Set<String> pkiFilesRead() {
        return pki("apiserver.crt", "apiserver.key", "apiserver-kubelet-client.crt", "apiserver-kubelet-client.key",
                "front-proxy-client.crt", "front-proxy-client.key", "apiserver-etcd-client.crt",
                "apiserver-etcd-client.key", "sa.pub", "sa.key", "front-proxy-ca.crt", "ca.crt", "ca.key", "etcd/ca.crt");
    }

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
