package io.kubeferry.pki;

import org.bouncycastle.asn1.x509.KeyPurposeId;

public enum ExtKeyUsage {
    SERVER_AUTH(KeyPurposeId.id_kp_serverAuth),
    CLIENT_AUTH(KeyPurposeId.id_kp_clientAuth);

    private final KeyPurposeId oid;

    ExtKeyUsage(KeyPurposeId oid) {
        this.oid = oid;
    }

    KeyPurposeId oid() {
        return oid;
    }
}
