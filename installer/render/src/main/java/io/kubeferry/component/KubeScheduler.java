package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/** The scheduler static pod on every control-plane node. */
public final class KubeScheduler extends StaticPodComponent {
    @Override
    protected java.util.Set<String> pkiFilesRead() {
        return pki("/etc/kubernetes/scheduler.conf");
    }

    @Override
    public String name() {
        return "kube-scheduler";
    }

    @Override
    protected String template() {
        return "kube-scheduler/kube-scheduler.yaml.ftl";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.controlPlanes();
    }
}
