package io.kubeferry.builder.spec;

import io.kubeferry.inventory.Secret;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a bundle holds, as read from a bundle spec YAML (see {@link SpecReader}); URL templates are still unexpanded.
 *
 * @param kubernetesVersion e.g. {@code 1.34.1} (no leading v)
 * @param architectures     target architectures, e.g. {@code [amd64]}
 * @param versions          template variables, e.g. {@code containerd: 2.1.4}
 * @param binaries          downloaded files that land in {@code bin/<arch>/}
 * @param images            container images, in spec order
 * @param mirrors           source rewrites applied to binary URLs and image references
 * @param registries        credentials and plain-HTTP settings per registry host
 * @param files             extra files the user adds to the bundle
 * @param jdks              per architecture, a JDK archive whose jmods make the bundle's Java runtime (for a target
 *                          architecture other than the building JDK's)
 */
public record BundleSpec(String kubernetesVersion, List<String> architectures, Map<String, String> versions,
                         List<BinarySpec> binaries, List<ImageSpec> images, List<Mirror> mirrors,
                         List<RegistrySettings> registries, List<ExtraFile> files, Map<String, JdkArchive> jdks) {
    public BundleSpec {
        architectures = List.copyOf(architectures);
        versions = Map.copyOf(versions);
        binaries = List.copyOf(binaries);
        images = List.copyOf(images);
        mirrors = List.copyOf(mirrors);
        registries = List.copyOf(registries);
        files = List.copyOf(files);
        jdks = Map.copyOf(jdks);
    }

    /** A JDK archive (.tar.gz) for one architecture, e.g. a Temurin build for arm64, and its sha256. */
    public record JdkArchive(String url, String sha256, String where) {
    }

    /**
     * A binary or archive to download.
     *
     * @param name         component name, e.g. kubelet
     * @param url          URL template: ${arch}, ${kubernetesVersion}, ${version} (this binary's version) and any
     *                     key of {@code versions}
     * @param version      version of this component, or null
     * @param sha256       pinned digests by architecture, or empty
     * @param sha256Url    template of the upstream checksum file's URL (${url} is the expanded binary URL), or null
     * @param file         template of the file name under bin/&lt;arch&gt;/, or null for the URL's last segment
     * @param where        where it was defined, for messages
     */
    public record BinarySpec(String name, String url, String version, Map<String, String> sha256, String sha256Url,
                             String file, String where) {
        public BinarySpec {
            sha256 = Map.copyOf(sha256);
        }
    }

    /** A container image reference as written, e.g. {@code registry.k8s.io/pause:3.10}. */
    public record ImageSpec(String reference, String where) {
    }

    /** Rewrites a source: a binary URL or image reference starting with {@code prefix} is fetched from {@code replacement...}. */
    public record Mirror(String prefix, String replacement) {
        public Optional<String> apply(String source) {
            return source.startsWith(prefix) ? Optional.of(replacement + source.substring(prefix.length())) : Optional.empty();
        }
    }

    /**
     * Per-registry settings.
     *
     * @param host      registry host[:port] as it appears in image references
     * @param username  basic-auth user, or null
     * @param password  basic-auth password (from an environment variable or a file), or null
     * @param plainHttp talk HTTP instead of HTTPS (loopback registries always do)
     */
    public record RegistrySettings(String host, String username, Secret password, boolean plainHttp) {
    }

    /**
     * An extra file to put in the bundle at {@code path}: a local {@code source} file or a {@code url} with its sha256.
     */
    public record ExtraFile(String path, Path source, String url, String sha256, String where) {
    }

    /** The mirrored form of a source (first matching mirror wins), or the source itself. */
    public String mirrored(String source) {
        for (Mirror m : mirrors) {
            Optional<String> r = m.apply(source);
            if (r.isPresent()) {
                return r.get();
            }
        }
        return source;
    }
}
