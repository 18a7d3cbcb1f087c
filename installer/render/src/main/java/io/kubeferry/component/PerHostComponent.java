package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A component that puts files on hosts: renders {@link #files} for each host in {@link #hosts}. */
public abstract class PerHostComponent implements Component {
    @Override
    public ComponentOutput render(RenderContext context) {
        Map<String, List<HostFile>> byHost = new LinkedHashMap<>();
        for (Host h : hosts(context.inventory())) {
            byHost.put(h.name(), files(context, h));
        }
        return ComponentOutput.files(byHost);
    }

    /** The files one host needs. */
    protected abstract List<HostFile> files(RenderContext context, Host host);
}
