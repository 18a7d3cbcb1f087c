package io.kubeferry.pki;

import io.kubeferry.inventory.Inventory;

import java.nio.file.Path;

/**
 * Where each file lives in the cluster state directory ({@code <stateDir>/pki}) and on the hosts.
 * Cluster-wide files keep kubeadm's relative paths ({@code ca.crt}, {@code etcd/ca.crt}, {@code admin.conf});
 * per-host files live under {@code hosts/<host>/} with the same relative paths.
 */
public record PkiLayout(Path root) {
    public static final String HOST_PKI_DIR = "/etc/kubernetes/pki";
    public static final String HOST_KUBECONFIG_DIR = "/etc/kubernetes";
    /** Keys and kubeconfigs (they embed a key), here and on the hosts. */
    public static final int KEY_MODE = 0600;
    /** Certificates. */
    public static final int CERT_MODE = 0644;
    /**
     * The kubelet's client certificate and key in one PEM file, which kubelet.conf refers to (kubeadm's
     * kubelet-finalize). Kubeferry writes the first one; once the kubelet rotates it, this path is a symlink to the
     * kubelet's own {@code kubelet-client-<date>.pem} and must not be overwritten ({@link PkiService#isWriteOnce}).
     */
    public static final String KUBELET_CLIENT_CURRENT = "/var/lib/kubelet/pki/kubelet-client-current.pem";

    public static PkiLayout of(Inventory inventory) {
        return new PkiLayout(inventory.stateDir().resolve("pki"));
    }

    public Path caCert(CaKind ca) {
        return root.resolve(ca.baseName() + ".crt");
    }

    public Path caKey(CaKind ca) {
        return root.resolve(ca.baseName() + ".key");
    }

    public Path cert(CertSpec spec) {
        return dir(spec.host()).resolve(spec.baseName() + ".crt");
    }

    public Path key(CertSpec spec) {
        return dir(spec.host()).resolve(spec.baseName() + ".key");
    }

    public Path kubeconfig(KubeconfigSpec spec) {
        return dir(spec.host()).resolve(spec.fileName());
    }

    /** The first {@link #KUBELET_CLIENT_CURRENT} of a kubeconfig that refers to it (certificate, then key). */
    public Path clientCertAndKey(KubeconfigSpec spec) {
        return dir(spec.host()).resolve(Path.of(KUBELET_CLIENT_CURRENT).getFileName().toString());
    }

    public Path saKey() {
        return root.resolve("sa.key");
    }

    public Path saPub() {
        return root.resolve("sa.pub");
    }

    private Path dir(String host) {
        return host == null ? root : root.resolve("hosts").resolve(host);
    }

    public static String hostCertPath(String baseName) {
        return HOST_PKI_DIR + "/" + baseName + ".crt";
    }

    public static String hostKeyPath(String baseName) {
        return HOST_PKI_DIR + "/" + baseName + ".key";
    }

    public static String hostKubeconfigPath(String fileName) {
        return HOST_KUBECONFIG_DIR + "/" + fileName;
    }
}
