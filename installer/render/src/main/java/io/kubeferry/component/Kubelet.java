package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/**
 * The kubelet: KubeletConfiguration, the per-host flags file, the unit and kubeadm's drop-in. Its kubeconfig
 * ({@code /etc/kubernetes/kubelet.conf}) holds a client certificate and comes from the PKI module.
 */
public final class Kubelet extends PerHostComponent {
    @Override
    public String name() {
        return "kubelet";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.nodes();
    }

    @Override
    protected List<RenderedFile> files(RenderContext c, Host h) {
        return List.of(
                c.file("/etc/systemd/system/kubelet.service", 0644, "kubelet/kubelet.service.ftl", h),
                c.file("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", 0644, "kubelet/10-kubeadm.conf.ftl", h),
                c.file("/var/lib/kubelet/config.yaml", 0644, "kubelet/config.yaml.ftl", h),
                c.file("/var/lib/kubelet/kubeadm-flags.env", 0644, "kubelet/kubeadm-flags.env.ftl", h));
    }

    @Override
    public List<String> startCommands(Host host, boolean changed) {
        return Systemd.start("kubelet", changed);
    }

    @Override
    public List<String> stopCommands(Host host) {
        return Systemd.stop("kubelet");
    }
}
