package io.kubeferry.builder.support;

import io.kubeferry.bundle.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds small but real OCI images as OCI layout directories (what {@code skopeo copy oci:dir:tag} reads): gzip'd
 * tar layers, an image config with diff_ids, manifests and, for multi-platform images, a nested index.
 */
public final class OciImages {
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

    private OciImages() {
    }

    /** A layer: its compressed bytes, digest and the digest of the uncompressed tar (diff_id). */
    public record Layer(byte[] gzipped, String digest, String diffId) {
    }

    /** Files of a layer: path to content; a content starting with "->" makes a symlink. Modes: 0755. */
    public static Layer layer(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            java.util.Set<String> dirs = new java.util.TreeSet<>();
            for (String p : new TreeMap<>(files).keySet()) {
                for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
                    dirs.add(p.substring(0, i + 1));
                }
            }
            for (String d : dirs) {
                TarArchiveEntry e = new TarArchiveEntry(d);
                e.setMode(040755);
                e.setModTime(0);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, byte[]> f : new TreeMap<>(files).entrySet()) {
                byte[] v = f.getValue();
                TarArchiveEntry e;
                if (v.length > 2 && v.length < 256 && v[0] == '-' && v[1] == '>') {
                    e = new TarArchiveEntry(f.getKey(), TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(new String(v, 2, v.length - 2, StandardCharsets.ISO_8859_1));
                    e.setModTime(0);
                    tar.putArchiveEntry(e);
                } else {
                    e = new TarArchiveEntry(f.getKey());
                    e.setSize(f.getValue().length);
                    e.setMode(0100755);
                    e.setModTime(0);
                    tar.putArchiveEntry(e);
                    tar.write(f.getValue());
                }
                tar.closeArchiveEntry();
            }
        }
        byte[] raw = tarBytes.toByteArray();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(raw);
        }
        byte[] g = gz.toByteArray();
        return new Layer(g, "sha256:" + Sha256.ofBytes(g), "sha256:" + Sha256.ofBytes(raw));
    }

    /** The busybox base layer: /bin/busybox (from busybox-static) and /bin/sh linking to it. */
    public static Layer busyboxLayer() throws IOException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            throw new IllegalStateException("/bin/busybox missing: apt-get install busybox-static");
        }
        Map<String, byte[]> files = new TreeMap<>();
        files.put("bin/busybox", Files.readAllBytes(busybox));
        files.put("bin/sh", "->busybox".getBytes(StandardCharsets.ISO_8859_1));
        return layer(files);
    }

    /** A layer of {@code size} pseudo-random (incompressible) bytes plus a text file, deterministic per seed. */
    public static Layer dataLayer(String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        Map<String, byte[]> files = new TreeMap<>();
        files.put("data/" + name + ".bin", data);
        files.put(name + ".txt", ("hello from " + name + "\n").getBytes(StandardCharsets.UTF_8));
        return layer(files);
    }

    /** A single-file layer. */
    public static Layer textLayer(String path, String text) throws IOException {
        return layer(Map.of(path, text.getBytes(StandardCharsets.UTF_8)));
    }

    /** One platform's image. */
    public record Image(String arch, List<Layer> layers, List<String> cmd) {
    }

    /** Descriptor JSON. */
    static String desc(String mediaType, String digest, long size, String extra) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size
                + (extra == null ? "" : "," + extra) + "}";
    }

    /** Writes an image (one platform) or a multi-platform index into layout {@code dir} under {@code tag}. */
    public static void write(Path dir, String tag, List<Image> platforms) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<String> manifests = new ArrayList<>();
        for (Image img : platforms) {
            StringBuilder diffIds = new StringBuilder();
            StringBuilder layers = new StringBuilder();
            for (Layer l : img.layers()) {
                blob(dir, l.gzipped());
                diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(l.diffId()).append('"');
                layers.append(layers.length() == 0 ? "" : ",").append(desc(OCI_LAYER, l.digest(), l.gzipped().length, null));
            }
            StringBuilder cmd = new StringBuilder();
            for (String c : img.cmd()) {
                cmd.append(cmd.length() == 0 ? "" : ",").append('"').append(c).append('"');
            }
            byte[] config = ("{\"architecture\":\"" + img.arch() + "\",\"os\":\"linux\",\"config\":{\"Cmd\":[" + cmd
                    + "],\"Env\":[\"PATH=/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
                    .getBytes(StandardCharsets.UTF_8);
            String configDigest = blob(dir, config);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                    + desc(OCI_CONFIG, configDigest, config.length, null) + ",\"layers\":[" + layers + "]}")
                    .getBytes(StandardCharsets.UTF_8);
            String md = blob(dir, manifest);
            manifests.add(desc(OCI_MANIFEST, md, manifest.length,
                    "\"platform\":{\"architecture\":\"" + img.arch() + "\",\"os\":\"linux\"}"));
        }
        String top;
        if (platforms.size() == 1) {
            top = manifests.get(0).replaceFirst(",\"platform\":\\{[^}]*}", "");
        } else {
            byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":["
                    + String.join(",", manifests) + "]}").getBytes(StandardCharsets.UTF_8);
            top = desc(OCI_INDEX, blob(dir, index), index.length, null);
        }
        String annotated = top.substring(0, top.length() - 1)
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}";
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + annotated + "]}");
    }

    private static String blob(Path dir, byte[] content) throws IOException {
        String hex = Sha256.ofBytes(content);
        Path p = dir.resolve("blobs/sha256/" + hex);
        if (!Files.exists(p)) {
            Files.write(p, content);
        }
        return "sha256:" + hex;
    }
}
