package io.kubeferry.inventory;

import java.time.Duration;
import java.util.List;

/**
 * @param caValidity          CA lifetime (kubeadm: 10 years)
 * @param certValidity        leaf lifetime (kubeadm: 1 year)
 * @param apiServerCertSans   extra SANs on the apiserver certificate (IPs or DNS names)
 */
public record CertificateOptions(KeyAlgorithm keyAlgorithm, Duration caValidity, Duration certValidity,
                                 List<String> apiServerCertSans) {
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofHours(87600);
    public static final Duration DEFAULT_CERT_VALIDITY = Duration.ofHours(8760);

    public CertificateOptions {
        apiServerCertSans = List.copyOf(apiServerCertSans);
    }

    public static CertificateOptions defaults() {
        return new CertificateOptions(KeyAlgorithm.RSA_2048, DEFAULT_CA_VALIDITY, DEFAULT_CERT_VALIDITY, List.of());
    }
}
