package io.kubeferry.component;

import java.util.List;

/** CoreDNS, kubeadm's six objects; the Service IP is the 10th address of the service subnet. */
public final class CoreDns extends AddonComponent {
    @Override
    public String name() {
        return "coredns";
    }

    @Override
    public ComponentOutput render(RenderContext c) {
        return ComponentOutput.addons(List.of(addon(c, "coredns", "coredns/coredns.yaml.ftl")));
    }
}
