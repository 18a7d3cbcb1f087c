package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;
import java.util.Optional;

/**
 * etcd as a systemd service ({@code cluster.etcd.mode: host-service}, as kubespray and KubeKey): the bundle's
 * etcd binary in {@code /usr/local/bin} with the static pod's flags, on the hosts with the etcd role (which need
 * no kubelet). Named {@code etcd} like the static pod, of which it takes the place.
 */
public final class EtcdHostService extends PerHostComponent {
    public static final String UNIT = "/etc/systemd/system/etcd.service";

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public boolean enabled(Inventory inventory) {
        return inventory.etcdMode() == EtcdSettings.Mode.HOST_SERVICE;
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.etcdMembers();
    }

    @Override
    protected List<HostFile> files(RenderContext c, Host h) {
        return List.of(c.file(UNIT, 0644, "etcd/etcd.service.ftl", h));
    }

    @Override
    public List<String> startCommands(Host host, boolean changed) {
        return Systemd.start("etcd", changed);
    }

    @Override
    public List<String> stopCommands(Host host) {
        return Systemd.stop("etcd");
    }

    @Override
    public List<String> statePaths(Host host) {
        return List.of(Etcd.DATA_DIR);
    }

    @Override
    public boolean readsPkiFile(Host host, String hostPath) {
        return Etcd.PKI_FILES.contains(hostPath);
    }

    @Override
    public Optional<String> restartCommand(Host host) {
        return Optional.of(Systemd.restartIfActive("etcd"));
    }

    @Override
    public Optional<String> waitRunningCommand(Host host, int seconds) {
        return Optional.of(Systemd.waitActive("etcd", seconds));
    }
}
