package io.kubeferry.inventory;

import java.time.Duration;
import java.util.List;

/**
 * @param caValidity          CA lifetime (kubeadm: 10 years)
 * @param certValidity        leaf lifetime (kubeadm: 1 year)
 * @param apiServerCertSans   extra SANs on the apiserver certificate (IPs or DNS names)
 * @param kubeletClientValidity lifetime of the first client certificate of every kubelet (kubelet.conf's
 *                              kubelet-client-current.pem; default {@code certValidity}). Only this one: the kubelet
 *                              renews it itself (rotateCertificates), so it may be short, while everything else the
 *                              install issues (serving certificates above all) has no such renewal and keeps
 *                              {@code certValidity}
 */
public record CertificateOptions(KeyAlgorithm keyAlgorithm, Duration caValidity, Duration certValidity,
                                 List<String> apiServerCertSans, Duration kubeletClientValidity) {
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofHours(87600);
    public static final Duration DEFAULT_CERT_VALIDITY = Duration.ofHours(8760);

    public CertificateOptions {
        apiServerCertSans = List.copyOf(apiServerCertSans);
        if (kubeletClientValidity == null) {
            kubeletClientValidity = certValidity;
        }
    }

    /** With the kubelet client certificate's lifetime the same as every other leaf's. */
    public CertificateOptions(KeyAlgorithm keyAlgorithm, Duration caValidity, Duration certValidity, List<String> apiServerCertSans) {
        this(keyAlgorithm, caValidity, certValidity, apiServerCertSans, certValidity);
    }

    public static CertificateOptions defaults() {
        return new CertificateOptions(KeyAlgorithm.RSA_2048, DEFAULT_CA_VALIDITY, DEFAULT_CERT_VALIDITY, List.of());
    }
}
