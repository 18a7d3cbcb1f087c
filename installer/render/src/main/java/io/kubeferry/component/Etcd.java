package io.kubeferry.component;

import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/**
 * Stacked etcd ({@code cluster.etcd.mode: static-pod}): a static pod on every etcd member, all members started
 * together with the full initial cluster. {@link EtcdHostService} is the same etcd as a systemd service.
 */
public final class Etcd extends StaticPodComponent {
    /** The PKI files an etcd member reads, in either mode. */
    static final java.util.Set<String> PKI_FILES = pki("etcd/ca.crt", "etcd/ca.key", "etcd/server.crt", "etcd/server.key",
            "etcd/peer.crt", "etcd/peer.key", "etcd/healthcheck-client.crt", "etcd/healthcheck-client.key");
    /** Its data, removed when it is cleaned. */
    static final String DATA_DIR = "/var/lib/etcd";

    @Override
    protected java.util.Set<String> pkiFilesRead() {
        return PKI_FILES;
    }

    @Override
    public boolean enabled(Inventory inventory) {
        return inventory.etcdMode() == EtcdSettings.Mode.STATIC_POD;
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    protected String template() {
        return "etcd/etcd.yaml.ftl";
    }

    @Override
    public List<Host> hosts(Inventory inventory) {
        return inventory.etcdMembers();
    }

    @Override
    public ComponentOutput render(RenderContext context) {
        for (Host h : context.inventory().etcdMembers()) {
            if (!h.isControlPlane()) {
                // a static pod needs a kubelet, and only nodes get one; the inventory loader refuses this
                throw new IllegalStateException("etcd member " + h.name() + " is not a control-plane host");
            }
        }
        return super.render(context);
    }

    @Override
    public List<String> statePaths(Host host) {
        return List.of(DATA_DIR);
    }
}
