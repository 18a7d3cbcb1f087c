package io.kubeferry.host;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One file a host gets: where it goes, its bytes and its mode. Certificates from the PKI and rendered
 * configuration alike.
 *
 * @param path    absolute, normalized path on the host, e.g. {@code /etc/kubernetes/pki/ca.crt}
 * @param content the bytes to write (copied in and out: the record stays immutable)
 * @param mode    POSIX permission bits, e.g. {@code 0600} for keys and kubeconfigs, {@code 0644} for certificates
 */
public record HostFile(String path, byte[] content, int mode) {
    public HostFile {
        if (path == null || !path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
            throw new IllegalArgumentException("host path must be absolute and normalized: " + path);
        }
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("not a POSIX mode: " + Integer.toOctalString(mode) + " for " + path);
        }
        content = content.clone();
    }

    public static HostFile text(String path, String text, int mode) {
        return new HostFile(path, text.getBytes(StandardCharsets.UTF_8), mode);
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    /** The content as UTF-8 text. */
    public String text() {
        return new String(content, StandardCharsets.UTF_8);
    }

    /** {@code 0644}-style octal string for messages and file listings. */
    public String modeOctal() {
        return String.format("%04o", mode);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostFile f && f.path.equals(path) && f.mode == mode && Arrays.equals(f.content, content);
    }

    @Override
    public int hashCode() {
        return (path.hashCode() * 31 + mode) * 31 + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return path + " (" + modeOctal() + ", " + content.length + " bytes)";
    }
}
