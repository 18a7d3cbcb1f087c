package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * containerd: config.toml (systemd cgroups to match the kubelet, the bundle's pause image, registries pinned
 * to the bundle's mirror), its unit, per-registry hosts.toml files and crictl.yaml.
 */
public final class Containerd extends PerHostComponent {
    @Override
    public String name() {
        return "containerd";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.nodes();
    }

    @Override
    protected List<HostFile> files(RenderContext c, Host h) {
        List<HostFile> files = new ArrayList<>();
        files.add(c.file("/etc/containerd/config.toml", 0644, "containerd/config.toml.ftl", h));
        files.add(c.file("/etc/systemd/system/containerd.service", 0644, "containerd/containerd.service.ftl", h));
        files.add(c.file("/etc/crictl.yaml", 0644, "containerd/crictl.yaml.ftl", h));
        List<String> registries = new ArrayList<>(c.settings().upstreamRegistries());
        registries.add("_default");
        for (String registry : registries) {
            Map<String, Object> model = c.clusterModel();
            model.put("host", c.hostModel(h));
            model.put("registry", registry);
            files.add(HostFile.text("/etc/containerd/certs.d/" + registry + "/hosts.toml",
                    c.templates().render("containerd/hosts.toml.ftl", model), 0644));
        }
        return files;
    }

    @Override
    public List<String> startCommands(Host host, boolean changed) {
        return Systemd.start("containerd", changed);
    }

    @Override
    public List<String> stopCommands(Host host) {
        return Systemd.stop("containerd");
    }
}
