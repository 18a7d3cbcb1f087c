package io.kubeferry.inventory;

import java.util.Arrays;
import java.util.Optional;

/** Key types for every certificate, kubeconfig client key and sa.key; names as kubeadm's encryptionAlgorithm. */
public enum KeyAlgorithm {
    RSA_2048("RSA-2048"),
    RSA_3072("RSA-3072"),
    RSA_4096("RSA-4096"),
    ECDSA_P256("ECDSA-P256"),
    ECDSA_P384("ECDSA-P384");

    private final String yamlName;

    KeyAlgorithm(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public boolean isRsa() {
        return name().startsWith("RSA");
    }

    public static Optional<KeyAlgorithm> fromYaml(String s) {
        return Arrays.stream(values()).filter(a -> a.yamlName.equalsIgnoreCase(s)).findFirst();
    }
}
