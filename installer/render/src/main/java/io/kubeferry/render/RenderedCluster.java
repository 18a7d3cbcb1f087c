package io.kubeferry.render;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.Addon;
import io.kubeferry.component.Component;
import io.kubeferry.component.ComponentOutput;
import io.kubeferry.component.NodeMetadata;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a cluster needs, per component: the files for each host and the addons. The phase runner walks
 * {@link #components()} in order and calls each component's run/clean with {@link Rendered#output()}.
 *
 * @param components  rendered components in registry order
 * @param hosts       host names in inventory order (every node, even one with no files)
 * @param extraFiles  files added by the caller (PKI, kubeconfigs with --with-secrets), host name to files
 * @param notes       what was left out and why, for the operator
 * @param nodeMetadata per node name: labels and annotations the install step sets through the API once the node
 *                     has registered (control-plane labels, kubeadm's annotations); never in any file
 */
public record RenderedCluster(List<Rendered> components, List<String> hosts, Map<String, List<HostFile>> extraFiles,
                              List<String> notes, Map<String, NodeMetadata> nodeMetadata) {
    /** One component and what it rendered. */
    public record Rendered(Component component, ComponentOutput output) {
    }

    public RenderedCluster {
        components = List.copyOf(components);
        hosts = List.copyOf(hosts);
        Map<String, List<HostFile>> copy = new LinkedHashMap<>();
        extraFiles.forEach((h, f) -> copy.put(h, List.copyOf(f)));
        extraFiles = java.util.Collections.unmodifiableMap(copy);
        notes = List.copyOf(notes);
        nodeMetadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodeMetadata));
        for (String h : hosts) {
            Set<String> seen = new LinkedHashSet<>();
            List<HostFile> all = new ArrayList<>();
            components.forEach(r -> all.addAll(r.output().filesFor(h)));
            all.addAll(extraFiles.getOrDefault(h, List.of()));
            for (HostFile f : all) {
                if (!seen.add(f.path())) {
                    throw new IllegalStateException("two sources render " + f.path() + " for " + h);
                }
            }
        }
    }

    /** A copy with more files for some hosts (e.g. certificates and kubeconfigs from the PKI module). */
    public RenderedCluster withExtraFiles(Map<String, List<HostFile>> more) {
        Map<String, List<HostFile>> merged = new LinkedHashMap<>(extraFiles);
        more.forEach((h, files) -> {
            if (!hosts.contains(h)) {
                throw new IllegalArgumentException("unknown host " + h);
            }
            List<HostFile> l = new ArrayList<>(merged.getOrDefault(h, List.of()));
            l.addAll(files);
            merged.put(h, l);
        });
        return new RenderedCluster(components, hosts, merged, notes, nodeMetadata);
    }

    /** Every file one host gets, components first (in order), then extra files. */
    public List<HostFile> filesFor(String host) {
        List<HostFile> all = new ArrayList<>();
        for (Rendered r : components) {
            all.addAll(r.output().filesFor(host));
        }
        all.addAll(extraFiles.getOrDefault(host, List.of()));
        return all;
    }

    /** All addons in apply order. */
    public List<Addon> addons() {
        return components.stream().flatMap(r -> r.output().addons().stream()).toList();
    }

    public Rendered component(String name) {
        return components.stream().filter(r -> r.component().name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no rendered component " + name));
    }

    /** Lines for the console after a render: files per host, addons, then the notes. */
    public List<String> summary() {
        List<String> lines = new ArrayList<>();
        for (String h : hosts) {
            lines.add(h + ": " + filesFor(h).size() + " files");
        }
        lines.add("cluster: " + addons().size() + " addons (" + String.join(", ",
                addons().stream().map(Addon::name).toList()) + ")");
        notes.forEach(n -> lines.add("note: " + n));
        return lines;
    }
}
