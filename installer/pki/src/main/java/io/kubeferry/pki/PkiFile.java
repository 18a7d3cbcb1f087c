package io.kubeferry.pki;

import java.nio.file.Path;

/**
 * One file to put on a host.
 *
 * @param hostPath absolute path on the host, e.g. {@code /etc/kubernetes/pki/ca.crt}
 * @param mode     POSIX mode, e.g. {@code 0600} for keys and kubeconfigs, {@code 0644} for certificates
 * @param source   the state-directory file it comes from (to tell which hosts a renewal touches)
 */
public record PkiFile(String hostPath, byte[] content, int mode, Path source) {
    @Override
    public String toString() {
        return hostPath + " (" + Integer.toOctalString(mode) + ", " + content.length + " bytes)";
    }
}
