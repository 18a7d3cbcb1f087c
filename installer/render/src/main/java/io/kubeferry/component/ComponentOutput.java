package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one component renders for the whole cluster.
 *
 * @param filesByHost host name to the files that host needs from this component (hosts in inventory order)
 * @param addons      objects to apply through the API
 */
public record ComponentOutput(Map<String, List<HostFile>> filesByHost, List<Addon> addons) {
    public ComponentOutput {
        Map<String, List<HostFile>> copy = new LinkedHashMap<>();
        filesByHost.forEach((h, files) -> copy.put(h, List.copyOf(files)));
        filesByHost = java.util.Collections.unmodifiableMap(copy);
        addons = List.copyOf(addons);
    }

    public static ComponentOutput files(Map<String, List<HostFile>> filesByHost) {
        return new ComponentOutput(filesByHost, List.of());
    }

    public static ComponentOutput addons(List<Addon> addons) {
        return new ComponentOutput(Map.of(), addons);
    }

    public List<HostFile> filesFor(String host) {
        return filesByHost.getOrDefault(host, List.of());
    }
}
