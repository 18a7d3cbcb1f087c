package io.kubeferry.builder.registry;

/** An image platform, e.g. linux/amd64 or linux/arm64/v8. */
public record Platform(String os, String architecture, String variant) {
    public static Platform linux(String arch) {
        return new Platform("linux", arch, null);
    }

    /** Whether an image built for {@code candidate} runs here; arm64's variant v8 is the only arm64 there is. */
    public boolean accepts(Platform candidate) {
        if (!os.equals(candidate.os) || !architecture.equals(candidate.architecture)) {
            return false;
        }
        if (variant == null || candidate.variant == null) {
            return true;
        }
        return variant.equals(candidate.variant);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant != null ? "/" + variant : "");
    }
}
