package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The control-plane endpoint in {@link ControlPlaneEndpoint.Mode#LOCAL_PROXY} mode (no external load balancer):
 * an haproxy static pod on every worker listening on 127.0.0.1:&lt;endpoint port&gt; and forwarding to every
 * apiserver (health-checked), plus an /etc/hosts line on every node mapping the endpoint name to 127.0.0.1
 * (workers) or the node's own address (control-plane nodes, whose apiserver listens there). The kubelet and
 * kube-proxy therefore use the same endpoint URL everywhere.
 */
public final class ApiServerProxy extends PerHostComponent {
    /** Marks the /etc/hosts line this component owns, so run replaces it and clean removes it. */
    public static final String HOSTS_MARKER = "# kubeferry control-plane endpoint";
    public static final String HOSTS_FRAGMENT = "/etc/kubeferry/hosts.d/control-plane-endpoint";
    public static final String HAPROXY_CONFIG = "/etc/kubeferry/apiserver-proxy/haproxy.cfg";

    @Override
    public String name() {
        return "apiserver-proxy";
    }

    @Override
    public boolean enabled(Inventory inventory) {
        return inventory.cluster().controlPlaneEndpoint().mode() == ControlPlaneEndpoint.Mode.LOCAL_PROXY;
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return enabled(inventory) ? inventory.nodes() : List.of();
    }

    @Override
    protected List<HostFile> files(RenderContext c, Host h) {
        ControlPlaneEndpoint ep = c.cluster().controlPlaneEndpoint();
        if (ep.port() != ControlPlaneEndpoint.DEFAULT_PORT || ep.hostIsIp()) {
            // control-plane nodes map the name to their own apiserver, which listens on the default port; the
            // inventory loader refuses another port or an IP
            throw new IllegalStateException("local-proxy endpoint " + ep.url() + " is not a name on port "
                    + ControlPlaneEndpoint.DEFAULT_PORT);
        }
        List<HostFile> files = new ArrayList<>();
        files.add(c.file(HOSTS_FRAGMENT, 0644, "apiserver-proxy/hosts.ftl", h));
        if (!h.isControlPlane()) {
            HostFile config = c.file(HAPROXY_CONFIG, 0644, "apiserver-proxy/haproxy.cfg.ftl", h);
            Map<String, Object> model = c.clusterModel();
            model.put("host", c.hostModel(h));
            model.put("proxyConfigSha256", ContentHash.sha256Hex(config.content()));
            files.add(config);
            files.add(HostFile.text(StaticPodComponent.MANIFESTS_DIR + "/kube-apiserver-proxy.yaml",
                    c.templates().render("apiserver-proxy/kube-apiserver-proxy.yaml.ftl", model), 0600));
        }
        return files;
    }

    @Override
    public Set<String> watchedDirectories() {
        return Set.of(StaticPodComponent.MANIFESTS_DIR);
    }

    @Override
    public Map<String, Integer> directoryModes() {
        return Map.of(StaticPodComponent.MANIFESTS_DIR, 0700);
    }

    @Override
    public List<String> startCommands(Host host, boolean changed) {
        // rewrite /etc/hosts in place (keeps the inode: it may be a bind mount) without our old line, plus the new one
        return List.of("grep -vF " + Shell.quote(HOSTS_MARKER) + " /etc/hosts > /etc/hosts.kubeferry-tmp; "
                + "grep -v '^[[:space:]]*$' " + Shell.quote(HOSTS_FRAGMENT) + " | sed " + Shell.quote("s/$/ " + HOSTS_MARKER + "/")
                + " >> /etc/hosts.kubeferry-tmp && "
                + "cat /etc/hosts.kubeferry-tmp > /etc/hosts && rm -f /etc/hosts.kubeferry-tmp");
    }

    @Override
    public List<String> stopCommands(Host host) {
        return List.of("if grep -qF " + Shell.quote(HOSTS_MARKER) + " /etc/hosts; then grep -vF "
                + Shell.quote(HOSTS_MARKER) + " /etc/hosts > /etc/hosts.kubeferry-tmp; "
                + "cat /etc/hosts.kubeferry-tmp > /etc/hosts && rm -f /etc/hosts.kubeferry-tmp; fi");
    }
}
