package io.kubeferry.builder.pack;

import io.kubeferry.builder.registry.Descriptor;
import io.kubeferry.builder.registry.Json;
import io.kubeferry.builder.registry.MediaTypes;
import io.kubeferry.builder.registry.ResolvedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One OCI image layout holding every image, as a tar that {@code ctr -n k8s.io images import} reads: each blob once
 * under {@code blobs/sha256/}, and {@code index.json} naming each image with {@code io.containerd.image.name}
 * (the full name containerd gives it) and {@code org.opencontainers.image.ref.name} (its tag, as containerd's own
 * export writes). Images shared layers are stored once. The tar's exact length is known before writing, so it
 * streams straight into the bundle.
 */
public final class OciArchive {
    public static final String IMAGE_NAME_ANNOTATION = "io.containerd.image.name";
    public static final String REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

    /** A blob and where its bytes are. */
    public record Blob(Descriptor descriptor, Path file, boolean compressed) {
    }

    private final List<ResolvedImage> images;
    private final Map<String, Blob> blobs;
    private final byte[] indexJson;
    private final byte[] layoutJson = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

    /** @param blobFile where each digest's bytes are (the content cache) */
    public OciArchive(List<ResolvedImage> images, Function<Descriptor, Path> blobFile) {
        this.images = images.stream().sorted(Comparator.comparing(i -> i.name().canonical())).toList();
        Map<String, Blob> all = new TreeMap<>();
        for (ResolvedImage i : this.images) {
            all.putIfAbsent(i.top().digest(), new Blob(i.top(), blobFile.apply(i.top()), false));
            for (ResolvedImage.PlatformManifest m : i.manifests()) {
                all.putIfAbsent(m.manifest().digest(), new Blob(m.manifest(), blobFile.apply(m.manifest()), false));
                all.putIfAbsent(m.config().digest(), new Blob(m.config(), blobFile.apply(m.config()), false));
                for (Descriptor l : m.layers()) {
                    all.putIfAbsent(l.digest(), new Blob(l, blobFile.apply(l), MediaTypes.isCompressedLayer(l.mediaType())));
                }
            }
        }
        this.blobs = all;
        this.indexJson = indexJson(this.images);
    }

    public Map<String, Blob> blobs() {
        return blobs;
    }

    static byte[] indexJson(List<ResolvedImage> images) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"schemaVersion\":2,\"mediaType\":").append(Json.quote(MediaTypes.OCI_INDEX)).append(",\"manifests\":[");
        List<String> entries = new ArrayList<>();
        for (ResolvedImage i : images) {
            Descriptor d = i.top();
            String tag = i.name().tag() != null ? i.name().tag() : i.name().canonical();
            entries.add("{\"mediaType\":" + Json.quote(d.mediaType()) + ",\"digest\":" + Json.quote(d.digest())
                    + ",\"size\":" + d.size() + ",\"annotations\":{" + Json.quote(IMAGE_NAME_ANNOTATION) + ":"
                    + Json.quote(i.name().canonical()) + "," + Json.quote(REF_NAME_ANNOTATION) + ":" + Json.quote(tag) + "}}");
        }
        sb.append(String.join(",", entries)).append("]}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Exact byte length of the tar {@link #write} produces. */
    public long length() {
        long n = 2 * TarWriter.entryLength(0) + TarWriter.entryLength(indexJson.length) + TarWriter.entryLength(layoutJson.length);
        for (Blob b : blobs.values()) {
            n += TarWriter.entryLength(b.descriptor().size());
        }
        return n + TarWriter.trailerLength();
    }

    /** Writes the layout tar; hints the compressor that gzip'd layers are not worth compressing again. */
    public void write(OutputStream out, CompressionHint hint, long mtime) throws IOException {
        TarWriter tar = new TarWriter(out, mtime);
        tar.directory("blobs", 0755);
        tar.directory("blobs/sha256", 0755);
        for (Blob b : blobs.values()) {
            long size = b.descriptor().size();
            if (Files.size(b.file()) != size) {
                throw new IOException("cached blob " + b.file() + " has " + Files.size(b.file()) + " bytes, its descriptor says "
                        + size + "; delete it from the cache and build again");
            }
            hint.compressible(!b.compressed());
            try (InputStream in = Files.newInputStream(b.file())) {
                tar.file("blobs/sha256/" + b.descriptor().hex(), 0644, size, in);
            }
        }
        hint.compressible(true);
        tar.file("index.json", 0644, indexJson.length, new java.io.ByteArrayInputStream(indexJson));
        tar.file("oci-layout", 0644, layoutJson.length, new java.io.ByteArrayInputStream(layoutJson));
        tar.finish();
    }
}
