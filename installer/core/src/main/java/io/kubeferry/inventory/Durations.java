package io.kubeferry.inventory;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as kubeadm writes them ({@code 8760h}, {@code 1h30m}, {@code 10s}) plus days and years ({@code 365d}, {@code 10y}). */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(y|d|h|ms|m|s)");

    private Durations() {
    }

    public static Optional<Duration> parse(String s) {
        String text = s.trim();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int pos = 0;
        while (m.find()) {
            if (m.start() != pos) {
                return Optional.empty();
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "y" -> Duration.ofDays(365 * n);
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            pos = m.end();
        }
        return pos == text.length() ? Optional.of(total) : Optional.empty();
    }

    /** {@code 8760h0m0s}-like text for humans: the largest whole unit. */
    public static String format(Duration d) {
        long h = d.toHours();
        if (h > 0 && d.equals(Duration.ofHours(h))) {
            return h + "h";
        }
        return d.getSeconds() + "s";
    }
}
