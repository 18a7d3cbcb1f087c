package io.kubeferry.bundle;

import java.util.Optional;

/**
 * What a path inside a bundle may look like: relative, '/'-separated, no empty, {@code .} or {@code ..}
 * components, no backslash or control characters. The builder checks spec paths with it, the manifest reader
 * checks bundle.yaml with it, the verifier checks archive entries with it.
 */
public final class BundlePaths {
    private BundlePaths() {
    }

    /** Why {@code path} is not a safe path inside a bundle, or empty when it is. */
    public static Optional<String> unsafe(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.of("is empty");
        }
        if (path.startsWith("/") || path.matches("^[A-Za-z]:.*")) {
            return Optional.of("is absolute");
        }
        if (path.contains("\\")) {
            return Optional.of("contains a backslash");
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return Optional.of("contains a control character");
        }
        for (String part : path.split("/", -1)) {
            if (part.equals("..")) {
                return Optional.of("climbs out with '..'");
            }
            if (part.isEmpty() || part.equals(".")) {
                return Optional.of("has an empty or '.' component");
            }
        }
        return Optional.empty();
    }
}
