package io.kubeferry.inventory;

import io.kubeferry.yaml.YamlCursor;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/** The shapes of names and values an inventory may hold, shared by its sections. */
final class Syntax {
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    private Syntax() {
    }

    /** An IP literal, or a DNS name that is not a dotted number (300.1.1.1 is a bad IP, not a name). */
    static boolean isIpOrDnsName(String s) {
        return Cidr.isIpLiteral(s) || (DNS_SUBDOMAIN.matcher(s).matches() && s.length() <= 253 && !s.matches("[0-9.]+"));
    }

    /** A scalar as trimmed text, or null when absent (errors for a mapping or list are recorded by the cursor). */
    static String text(YamlCursor c) {
        return c == null ? null : c.string().map(String::trim).orElse(null);
    }

    /** A duration like 8760h, 365d or 10y; the default when absent, null (with an error) when malformed or zero. */
    static Duration duration(YamlCursor c, Duration defaultValue) {
        if (c == null) {
            return defaultValue;
        }
        Optional<String> s = c.string();
        Optional<Duration> d = s.flatMap(Durations::parse);
        if (s.isPresent() && (d.isEmpty() || d.get().isZero())) {
            c.error("'" + s.get() + "' is not a duration; write it like 8760h, 365d or 10y");
            return null;
        }
        return d.orElse(null);
    }
}
