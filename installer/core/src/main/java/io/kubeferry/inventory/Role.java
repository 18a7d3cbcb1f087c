package io.kubeferry.inventory;

import java.util.Arrays;
import java.util.Optional;

public enum Role {
    CONTROL_PLANE("control-plane"),
    WORKER("worker"),
    ETCD("etcd");

    private final String yamlName;

    Role(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<Role> fromYaml(String s) {
        return Arrays.stream(values()).filter(r -> r.yamlName.equals(s)).findFirst();
    }
}
