package io.kubeferry.pki;

/**
 * One kubeconfig file as kubeadm lays it out: cluster {@code clusterName}, user named after the client
 * certificate's CN, context {@code <user>@<cluster>}.
 *
 * @param fileName     {@code admin.conf}, {@code kubelet.conf}...
 * @param host         the host it belongs to, or null for cluster-wide files (admin.conf, super-admin.conf)
 * @param server       the API server URL it points at
 * @param clientCert   the client certificate embedded in it (or, for kubelet.conf, in the file it refers to)
 */
public record KubeconfigSpec(String fileName, String host, String server, String clusterName, CertSpec clientCert) {
    public String userName() {
        return clientCert.commonName();
    }

    public String contextName() {
        return userName() + "@" + clusterName;
    }

    /**
     * kubelet.conf refers to {@link PkiLayout#KUBELET_CLIENT_CURRENT} instead of embedding its credentials, so the
     * certificates the kubelet rotates are used (kubeadm's kubelet-finalize); the other kubeconfigs embed them.
     */
    public boolean referencesClientFile() {
        return fileName.equals("kubelet.conf");
    }

    public String label() {
        return host == null ? fileName : fileName + " (" + host + ")";
    }
}
