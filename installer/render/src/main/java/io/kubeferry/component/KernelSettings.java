package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/** Kernel modules and sysctls every node needs (overlay, br_netfilter, ip_forward, bridge-nf-call). */
public final class KernelSettings extends PerHostComponent {
    @Override
    public String name() {
        return "kernel-settings";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.nodes();
    }

    @Override
    protected List<HostFile> files(RenderContext c, Host h) {
        return List.of(
                c.file("/etc/modules-load.d/kubeferry.conf", 0644, "kernel/modules-load.conf.ftl", h),
                c.file("/etc/sysctl.d/99-kubeferry.conf", 0644, "kernel/sysctl.conf.ftl", h));
    }

    @Override
    public List<String> startCommands(Host host, boolean changed) {
        // cheap and idempotent, so always: a reboot-less first install needs them loaded now. A kernel may have them
        // built in (no module file for modprobe to find): then what they provide is already there.
        return List.of("(grep -qw overlay /proc/filesystems || modprobe overlay) && ([ -d /proc/sys/net/bridge ] || modprobe br_netfilter)"
                + " && sysctl -q --system");
    }
}
