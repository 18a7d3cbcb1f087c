package io.kubeferry.ssh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Host key fingerprints in OpenSSH's {@code SHA256:<base64 without padding>} form. */
public final class Fingerprints {
    private Fingerprints() {
    }

    /** Fingerprint of a public key blob (the SSH wire encoding, as in known_hosts after base64 decoding). */
    public static String sha256(byte[] keyBlob) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(keyBlob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fingerprint of a known_hosts / authorized_keys style base64 key. */
    public static String sha256OfBase64(String base64Key) {
        return sha256(Base64.getDecoder().decode(base64Key));
    }

    /** Whether a fingerprint the user pinned (with or without the {@code SHA256:} prefix or padding) is {@code actual}. */
    public static boolean matches(String pinned, String actual) {
        return normalize(pinned).equals(normalize(actual));
    }

    static String normalize(String fp) {
        String s = fp.strip();
        if (s.regionMatches(true, 0, "SHA256:", 0, 7)) {
            s = s.substring(7);
        }
        while (s.endsWith("=")) {
            s = s.substring(0, s.length() - 1);
        }
        return "SHA256:" + s;
    }

    /** The key type named at the start of a key blob, e.g. {@code ssh-ed25519}. */
    static String keyType(byte[] blob) {
        if (blob.length < 4) {
            return "unknown";
        }
        int len = ((blob[0] & 0xff) << 24) | ((blob[1] & 0xff) << 16) | ((blob[2] & 0xff) << 8) | (blob[3] & 0xff);
        if (len <= 0 || len > blob.length - 4) {
            return "unknown";
        }
        return new String(blob, 4, len, StandardCharsets.US_ASCII);
    }
}
