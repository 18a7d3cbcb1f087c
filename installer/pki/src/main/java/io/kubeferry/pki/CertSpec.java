package io.kubeferry.pki;

import java.util.List;
import java.util.Set;

/**
 * What one leaf certificate must say, as kubeadm makes it.
 *
 * @param name          kubeadm's name ({@code apiserver}, {@code etcd-server}...) or the kubeconfig file name
 *                      ({@code admin.conf}) for kubeconfig client certificates
 * @param baseName      path under {@code /etc/kubernetes/pki} without extension ({@code etcd/server}); for a
 *                      kubeconfig client certificate, the kubeconfig file name
 * @param host          the host it belongs to, or null when the same file goes to every host that needs it
 * @param dnsNames      DNS SANs, sorted and de-duplicated
 * @param ipAddresses   IP SANs in kubeadm's order, de-duplicated, in canonical text form
 */
public record CertSpec(String name, String baseName, String host, CaKind signer, String commonName,
                       List<String> organizations, Set<ExtKeyUsage> extKeyUsages, List<String> dnsNames,
                       List<String> ipAddresses) {
    public CertSpec {
        organizations = List.copyOf(organizations);
        extKeyUsages = Set.copyOf(extKeyUsages);
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    /** A label for messages: {@code apiserver (cp1)}. */
    public String label() {
        return host == null ? name : name + " (" + host + ")";
    }
}
