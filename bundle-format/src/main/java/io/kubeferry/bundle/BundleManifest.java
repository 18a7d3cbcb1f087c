package io.kubeferry.bundle;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bundle's manifest, {@code bundle.yaml} at the bundle root: what the bundle holds and how to check it.
 *
 * @param formatVersion      manifest format, {@link #FORMAT_VERSION}
 * @param name               bundle name, also the top directory inside the archive
 * @param kubernetesVersion  e.g. {@code 1.34.1}
 * @param architectures      e.g. {@code [amd64]}
 * @param versions           component name to version (containerd, runc, etcd, ...)
 * @param imageArchive       path of the OCI layout tar that {@code ctr images import} takes, or null if no images
 * @param files              every file of the bundle except bundle.yaml itself, sorted by path
 * @param images             every image, pinned by digest
 * @param binaries           which file is which component, per architecture (the installer looks them up here)
 */
public record BundleManifest(int formatVersion, String name, String kubernetesVersion, List<String> architectures,
                             Map<String, String> versions, String imageArchive, List<FileEntry> files,
                             List<ImageEntry> images, List<Binary> binaries) {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "bundle.yaml";

    public BundleManifest {
        architectures = List.copyOf(architectures);
        versions = Map.copyOf(versions);
        files = List.copyOf(files);
        images = List.copyOf(images);
        binaries = List.copyOf(binaries);
    }

    /**
     * A downloaded component: e.g. {@code containerd}, amd64, 2.1.4, {@code bin/amd64/containerd-2.1.4-linux-amd64.tar.gz}.
     * The path is one of {@link #files()}; the file is the upstream artifact as published (binary or archive).
     */
    public record Binary(String name, String arch, String version, String path) {
    }

    /** The file of component {@code name} for {@code arch}, e.g. binary("kubelet", "amd64"). */
    public Optional<Binary> binary(String name, String arch) {
        return binaries.stream().filter(b -> b.name().equals(name) && b.arch().equals(arch)).findFirst();
    }

    /**
     * One file, path relative to the bundle root with '/' separators.
     *
     * @param mode permission bits as packed (0755, 0644), or {@link #MODE_NOT_RECORDED} (manifests written before
     *             modes were recorded)
     */
    public record FileEntry(String path, long size, String sha256, int mode) {
        public static final int MODE_NOT_RECORDED = -1;

        public FileEntry(String path, long size, String sha256) {
            this(path, size, sha256, MODE_NOT_RECORDED);
        }

        public boolean modeRecorded() {
            return mode != MODE_NOT_RECORDED;
        }
    }

    /**
     * One image.
     *
     * @param name      the name containerd will know it by, e.g. {@code registry.k8s.io/pause:3.10}
     * @param digest    digest of the manifest or index the name points to, {@code sha256:...}
     * @param mediaType media type of that manifest or index
     * @param source    where it was pulled from (a mirror, or the name itself)
     * @param platforms the platforms whose blobs are in the bundle, e.g. {@code linux/amd64}
     */
    public record ImageEntry(String name, String digest, String mediaType, String source, List<String> platforms) {
        public ImageEntry {
            platforms = List.copyOf(platforms);
        }
    }

    public Optional<FileEntry> file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }
}
