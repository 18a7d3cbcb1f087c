package io.kubeferry.component;

import java.nio.charset.StandardCharsets;

/**
 * Cluster objects applied through the API once the control plane answers (not pushed to a host).
 *
 * @param name file base name under {@code cluster/addons/}, e.g. {@code coredns}
 * @param yaml one or more YAML documents
 */
public record Addon(String name, String yaml) {
    public Addon {
        if (!name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("addon name must be lower-case letters, digits and dashes: " + name);
        }
    }

    public byte[] bytes() {
        return yaml.getBytes(StandardCharsets.UTF_8);
    }
}
