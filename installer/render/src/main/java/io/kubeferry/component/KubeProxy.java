package io.kubeferry.component;

import java.util.List;

/** kube-proxy DaemonSet and its objects; its kubeconfig's server is the inventory's control-plane endpoint. */
public final class KubeProxy extends AddonComponent {
    @Override
    public String name() {
        return "kube-proxy";
    }

    @Override
    public ComponentOutput render(RenderContext c) {
        return ComponentOutput.addons(List.of(addon(c, "kube-proxy", "kube-proxy/kube-proxy.yaml.ftl")));
    }
}
