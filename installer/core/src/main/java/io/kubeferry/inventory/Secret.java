package io.kubeferry.inventory;

import java.util.Arrays;

/**
 * A password or passphrase. {@link #toString()} never shows the value, so a secret that slips into a
 * log line or an exception message prints as {@code ******}. Read it with {@link #reveal()} only at
 * the point of use (SSH auth, sudo stdin).
 *
 * @param origin where the value came from, safe to print (e.g. {@code env:SSH_PASSWORD}, {@code literal})
 */
public record Secret(char[] value, String origin) {
    public Secret {
        value = value.clone();
    }

    public static Secret of(String value, String origin) {
        return new Secret(value.toCharArray(), origin);
    }

    public String reveal() {
        return new String(value);
    }

    public byte[] revealBytes() {
        return new String(value).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    @Override
    public char[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && Arrays.equals(value, s.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "******(" + origin + ")";
    }
}
