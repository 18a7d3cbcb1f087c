package io.kubeferry.inventory;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the cluster's etcd runs ({@code cluster.etcd}).
 *
 * @param external the user's cluster, present exactly in {@link Mode#EXTERNAL}
 */
public record EtcdSettings(Mode mode, Optional<External> external) {
    public static final EtcdSettings STATIC_POD = new EtcdSettings(Mode.STATIC_POD, Optional.empty());

    public EtcdSettings {
        if ((mode == Mode.EXTERNAL) != external.isPresent()) {
            throw new IllegalArgumentException("the external etcd settings go with mode external, and only with it");
        }
    }

    public enum Mode {
        /** kubeadm's stacked etcd: a static pod on control-plane hosts (the etcd role, or all of them). */
        STATIC_POD("static-pod"),
        /** A systemd service from the bundle's etcd binary on the hosts with the etcd role (as kubespray). */
        HOST_SERVICE("host-service"),
        /** A cluster the user runs: nothing installed, the API server pointed at it. */
        EXTERNAL("external");

        private final String yamlName;

        Mode(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }
    }

    /**
     * The user's etcd cluster: client URLs and the files (on the installer's machine, checked at load) the API
     * servers use to reach it.
     *
     * @param endpoints {@code https://host:port} client URLs
     */
    public record External(List<String> endpoints, Path caFile, Path certFile, Path keyFile) {
        public External {
            endpoints = List.copyOf(endpoints);
        }
    }
}
