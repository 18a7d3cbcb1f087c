package io.kubeferry.plan;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.render.RenderedCluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the cluster is made of, per host: the rendered component files, the addons and node metadata
 * ({@link #rendered}), and the certificates, keys and kubeconfigs from the PKI ({@link #pkiFiles}). Made by the
 * {@link ClusterPlanner}, the one place that turns inventory (+ facts, + bundle) into files, so what
 * {@code installer render} shows is byte for byte what the install puts on the hosts.
 */
public record ClusterPlan(Inventory inventory, RenderedCluster rendered, Map<String, List<HostFile>> pkiFiles) {
    public ClusterPlan {
        pkiFiles = Map.copyOf(pkiFiles);
    }

    public List<HostFile> pkiFilesFor(Host host) {
        return pkiFiles.getOrDefault(host.name(), List.of());
    }

    /** The rendered tree with every host's PKI files added (for a review render with secrets). */
    public RenderedCluster renderedWithSecrets() {
        Map<String, List<HostFile>> secrets = new LinkedHashMap<>();
        for (Host h : inventory.hosts()) {
            secrets.put(h.name(), pkiFilesFor(h));
        }
        return rendered.withExtraFiles(secrets);
    }
}
