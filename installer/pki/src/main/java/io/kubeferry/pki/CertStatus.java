package io.kubeferry.pki;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * One row of {@code installer certs check-expiration}.
 *
 * @param name      kubeadm's name ({@code ca}, {@code apiserver}, {@code admin.conf}...)
 * @param host      the host it belongs to, or null for files shared by every host that needs them
 * @param file      the file in the state directory
 * @param notAfter  expiry, or null when the file is missing or unreadable
 * @param residual  time left from now (negative when expired), or null
 * @param ca        the CA that signed it ({@code ca}, {@code front-proxy-ca}, {@code etcd-ca}); null for a CA itself
 * @param external  the CA's key is not in the state directory, so Kubeferry cannot renew it
 * @param problem   why notAfter is missing ("missing", "unreadable: ..."), or null
 */
public record CertStatus(String name, String host, Path file, Instant notAfter, Duration residual, String ca,
                         boolean external, String problem) {
    public boolean expired() {
        return residual != null && residual.isNegative();
    }
}
