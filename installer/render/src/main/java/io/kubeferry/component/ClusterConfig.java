package io.kubeferry.component;

import java.util.ArrayList;
import java.util.List;

/**
 * Cluster-wide RBAC and config maps kubeadm creates (reference 4.6, 4.7, 5.1), so a later {@code kubeadm join}
 * and kubeadm-aware tools work: the join RBAC, {@code kubeadm:cluster-admins}, {@code kubeadm-config},
 * {@code kubelet-config} and {@code cluster-info} (the latter only when the cluster CA is known).
 */
public final class ClusterConfig extends AddonComponent {
    @Override
    public String name() {
        return "cluster-config";
    }

    @Override
    public ComponentOutput render(RenderContext c) {
        List<Addon> addons = new ArrayList<>();
        addons.add(addon(c, "cluster-rbac", "cluster-config/cluster-rbac.yaml.ftl"));
        addons.add(addon(c, "cluster-config", "cluster-config/cluster-config.yaml.ftl"));
        if (c.clusterCaPem().isPresent()) {
            addons.add(addon(c, "cluster-info", "cluster-config/cluster-info.yaml.ftl"));
        }
        return ComponentOutput.addons(addons);
    }
}
