package io.kubeferry.builder.registry;

import java.util.regex.Pattern;

/**
 * A normalized image reference, as containerd and Docker understand it: {@code pause:3.10} is
 * {@code docker.io/library/pause:3.10}.
 *
 * @param registry   host[:port] as written in names (docker.io, not registry-1.docker.io)
 * @param repository path inside the registry, e.g. {@code library/pause}
 * @param tag        tag, or null when only a digest was given
 * @param digest     {@code sha256:...}, or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
    private static final Pattern PATH = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /** @throws IllegalArgumentException with a message saying what is wrong with {@code ref} */
    public static ImageReference parse(String ref) {
        String rest = ref.trim();
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw new IllegalArgumentException("image '" + ref + "': digest must be sha256:<64 hex digits>");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new IllegalArgumentException("image '" + ref + "': invalid tag '" + tag + "'");
            }
        }
        String registry = "docker.io";
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        if (registry.equals("docker.io") && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (!PATH.matcher(rest).matches()) {
            throw new IllegalArgumentException("image '" + ref + "': invalid repository '" + rest
                    + "' (lowercase letters, digits, '.', '_', '-' and '/')");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(registry, rest, tag, digest);
    }

    /** Registry name plus repository, no tag: {@code registry.k8s.io/pause}. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The full normalized reference (what containerd names the image): name:tag, or name@digest without a tag. */
    public String canonical() {
        return tag != null ? name() + ":" + tag : name() + "@" + digest;
    }

    /** The tag or digest to ask the registry for: the digest wins when both are given. */
    public String manifestReference() {
        return digest != null ? digest : tag;
    }

    /** Host to talk to: Docker Hub's API lives on registry-1.docker.io. */
    public String apiHost() {
        return registry.equals("docker.io") ? "registry-1.docker.io" : registry;
    }

    @Override
    public String toString() {
        return digest != null && tag != null ? canonical() + "@" + digest : canonical();
    }
}
