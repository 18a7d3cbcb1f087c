package io.kubeferry.builder.registry;

import java.util.Map;

/** An OCI content descriptor: what a manifest or index points at. */
public record Descriptor(String mediaType, String digest, long size, Platform platform) {

    static Descriptor from(Object raw, String what) {
        Map<String, Object> m = Json.object(raw, what);
        Object digest = m.get("digest");
        Object size = m.get("size");
        if (!(digest instanceof String d) || !d.matches("sha256:[0-9a-f]{64}") || !(size instanceof Number n)) {
            throw new IllegalArgumentException(what + ": descriptor without a sha256 digest and size");
        }
        Platform p = null;
        if (m.get("platform") instanceof Map<?, ?> pm) {
            p = new Platform(String.valueOf(pm.get("os")), String.valueOf(pm.get("architecture")),
                    pm.get("variant") == null ? null : String.valueOf(pm.get("variant")));
        }
        return new Descriptor(m.get("mediaType") == null ? null : String.valueOf(m.get("mediaType")), d, n.longValue(), p);
    }

    public String hex() {
        return digest.substring("sha256:".length());
    }
}
