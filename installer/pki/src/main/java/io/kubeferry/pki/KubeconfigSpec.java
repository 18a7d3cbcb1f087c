package io.kubeferry.pki;

/**
 * One kubeconfig file as kubeadm lays it out: cluster {@code clusterName}, user named after the client
 * certificate's CN, context {@code <user>@<cluster>}.
 *
 * @param fileName     {@code admin.conf}, {@code kubelet.conf}...
 * @param host         the host it belongs to, or null for cluster-wide files (admin.conf, super-admin.conf)
 * @param server       the API server URL it points at
 * @param clientCert   the client certificate embedded in it
 */
public record KubeconfigSpec(String fileName, String host, String server, String clusterName, CertSpec clientCert) {
    public String userName() {
        return clientCert.commonName();
    }

    public String contextName() {
        return userName() + "@" + clusterName;
    }

    public String label() {
        return host == null ? fileName : fileName + " (" + host + ")";
    }
}
