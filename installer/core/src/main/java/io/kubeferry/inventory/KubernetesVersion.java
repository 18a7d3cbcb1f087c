package io.kubeferry.inventory;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Kubernetes release, e.g. 1.34.1. Kubeferry supports 1.32, 1.33 and 1.34. */
public record KubernetesVersion(int major, int minor, int patch) implements Comparable<KubernetesVersion> {
    public static final int MIN_SUPPORTED_MINOR = 32;
    public static final int MAX_SUPPORTED_MINOR = 34;
    private static final Pattern FORMAT = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)");

    public static Optional<KubernetesVersion> parse(String s) {
        Matcher m = FORMAT.matcher(s.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new KubernetesVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3))));
    }

    public boolean isSupported() {
        return major == 1 && minor >= MIN_SUPPORTED_MINOR && minor <= MAX_SUPPORTED_MINOR;
    }

    /** True when this is 1.{minor} or later. */
    public boolean atLeast(int minor) {
        return major > 1 || (major == 1 && this.minor >= minor);
    }

    /** {@code v1.34.1}: the tag of the upstream images and release URLs. */
    public String tag() {
        return "v" + this;
    }

    /** {@code 1.34}. */
    public String minorVersion() {
        return major + "." + minor;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }

    @Override
    public int compareTo(KubernetesVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) c = Integer.compare(minor, o.minor);
        if (c == 0) c = Integer.compare(patch, o.patch);
        return c;
    }
}
