package io.kubeferry.pki;

/** The three certificate authorities kubeadm makes, with kubeadm's file base names and subjects. */
public enum CaKind {
    KUBERNETES("ca", "ca", "kubernetes"),
    FRONT_PROXY("front-proxy-ca", "front-proxy-ca", "front-proxy-ca"),
    ETCD("etcd-ca", "etcd/ca", "etcd-ca");

    private final String certName;
    private final String baseName;
    private final String commonName;

    CaKind(String certName, String baseName, String commonName) {
        this.certName = certName;
        this.baseName = baseName;
        this.commonName = commonName;
    }

    /** kubeadm's name for it ({@code ca}, {@code front-proxy-ca}, {@code etcd-ca}). */
    public String certName() {
        return certName;
    }

    /** Path under {@code /etc/kubernetes/pki} without extension, e.g. {@code etcd/ca}. */
    public String baseName() {
        return baseName;
    }

    public String commonName() {
        return commonName;
    }

    /** The CAs this cluster has: no etcd CA with an external etcd (the user's CA is shipped as it is). */
    public static java.util.List<CaKind> usedBy(io.kubeferry.inventory.Inventory inventory) {
        return java.util.Arrays.stream(values())
                .filter(k -> k != ETCD || inventory.etcdMode() != io.kubeferry.inventory.EtcdSettings.Mode.EXTERNAL)
                .toList();
    }
}
