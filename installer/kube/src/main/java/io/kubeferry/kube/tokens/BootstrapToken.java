package io.kubeferry.kube.tokens;

import io.kubeferry.inventory.Secret;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * A bootstrap token ({@code [a-z0-9]{6}.[a-z0-9]{16}}): its public part and its secret, which {@link Secret} keeps
 * out of every {@code toString()}. Reveal it only to print the join command.
 */
public record BootstrapToken(Info info, Secret secret) {
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

    /**
     * What {@code token list} shows: never the secret.
     *
     * @param expires null when the token never expires (TTL 0)
     */
    public record Info(String id, Instant expires, List<String> usages, List<String> groups, String description) {
        public Info {
            usages = List.copyOf(usages);
            groups = List.copyOf(groups);
        }
    }

    /** A new token, id and secret from the CSPRNG, each character uniform over [a-z0-9] as kubeadm's. */
    public static BootstrapToken generate(SecureRandom random, Instant expires, List<String> usages, List<String> groups,
                                          String description) {
        return new BootstrapToken(new Info(randomString(random, 6), expires, usages, groups, description),
                Secret.of(randomString(random, 16), "generated"));
    }

    private static String randomString(SecureRandom random, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return s.toString();
    }

    public String id() {
        return info.id();
    }

    /** {@code id.secret}, what {@code kubeadm join --token} takes. */
    public String reveal() {
        return info.id() + "." + secret.reveal();
    }
}
