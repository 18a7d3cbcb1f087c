package io.kubeferry.component;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One file a host needs.
 *
 * @param path    absolute path on the host, e.g. {@code /etc/kubernetes/manifests/etcd.yaml}
 * @param content the bytes to write
 * @param mode    POSIX permission bits, e.g. {@code 0600}
 */
public record RenderedFile(String path, byte[] content, int mode) {
    public RenderedFile {
        if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
            throw new IllegalArgumentException("host path must be absolute and normalized: " + path);
        }
        content = content.clone();
    }

    public static RenderedFile text(String path, String text, int mode) {
        return new RenderedFile(path, text.getBytes(StandardCharsets.UTF_8), mode);
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    public String text() {
        return new String(content, StandardCharsets.UTF_8);
    }

    /** {@code 0644}-style octal string for messages and file listings. */
    public String modeOctal() {
        return String.format("%04o", mode);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RenderedFile f && f.path.equals(path) && f.mode == mode && Arrays.equals(f.content, content);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return path + " (" + modeOctal() + ", " + content.length + " bytes)";
    }
}
