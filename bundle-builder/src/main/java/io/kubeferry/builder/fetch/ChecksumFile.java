package io.kubeferry.builder.fetch;

import java.util.Optional;

/**
 * Reads upstream checksum files: a bare digest (dl.k8s.io's {@code .sha256}), {@code <hex>  <name>} lines
 * ({@code sha256sum} output, one or many files), or {@code <hex> *<name>} (binary mode).
 */
public final class ChecksumFile {
    private ChecksumFile() {
    }

    /**
     * The digest for {@code fileName} (a URL's last segment), or the only digest when the file holds one bare digest.
     * A line that names another file is never used for this one, even when it is the only line.
     */
    public static Optional<String> digestFor(String content, String fileName) {
        String only = null;
        int count = 0;
        for (String raw : content.split("\\R")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 2);
            String hex = parts[0].toLowerCase();
            if (!io.kubeferry.bundle.Sha256.isHex(hex)) {
                continue;
            }
            count++;
            only = parts.length == 2 ? null : hex;
            if (parts.length == 2) {
                String name = parts[1].startsWith("*") ? parts[1].substring(1) : parts[1];
                name = name.substring(name.lastIndexOf('/') + 1).trim();
                if (name.equals(fileName)) {
                    return Optional.of(hex);
                }
            }
        }
        return count == 1 ? Optional.ofNullable(only) : Optional.empty();
    }
}
