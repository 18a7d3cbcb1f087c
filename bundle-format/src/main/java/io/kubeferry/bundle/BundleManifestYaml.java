package io.kubeferry.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/** Reads and writes {@code bundle.yaml}. Output is deterministic: same manifest, same bytes. */
public final class BundleManifestYaml {
    private BundleManifestYaml() {
    }

    public static byte[] toBytes(BundleManifest m) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("formatVersion", m.formatVersion());
        root.put("name", m.name());
        root.put("kubernetesVersion", m.kubernetesVersion());
        root.put("architectures", m.architectures());
        root.put("versions", new TreeMap<>(m.versions()));
        if (m.imageArchive() != null) {
            root.put("imageArchive", m.imageArchive());
        }
        List<Object> images = new ArrayList<>();
        for (BundleManifest.ImageEntry i : m.images()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", i.name());
            e.put("digest", i.digest());
            e.put("mediaType", i.mediaType());
            e.put("source", i.source());
            e.put("platforms", i.platforms());
            images.add(e);
        }
        root.put("images", images);
        List<Object> binaries = new ArrayList<>();
        for (BundleManifest.Binary b : m.binaries()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", b.name());
            e.put("arch", b.arch());
            if (b.version() != null) {
                e.put("version", b.version());
            }
            e.put("path", b.path());
            binaries.add(e);
        }
        root.put("binaries", binaries);
        List<Object> files = new ArrayList<>();
        for (BundleManifest.FileEntry f : m.files()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", f.path());
            e.put("size", f.size());
            e.put("sha256", f.sha256());
            if (f.modeRecorded()) {
                e.put("mode", String.format("%04o", f.mode()));
            }
            files.add(e);
        }
        root.put("files", files);
        DumperOptions opts = new DumperOptions();
        opts.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        opts.setIndicatorIndent(2);
        opts.setIndentWithIndicator(true);
        opts.setWidth(4096);
        opts.setLineBreak(DumperOptions.LineBreak.UNIX);
        Yaml yaml = new Yaml(new Representer(opts), opts);
        String header = "# Kubeferry bundle manifest: every file with its size and sha256, every image pinned by digest.\n"
                + "# Checked by `installer verify` and `bundle-builder verify`.\n";
        return (header + yaml.dump(root)).getBytes(StandardCharsets.UTF_8);
    }

    public static void write(BundleManifest m, OutputStream out) throws IOException {
        out.write(toBytes(m));
    }

    public static BundleManifest read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** @param where names the source in error messages */
    public static BundleManifest read(InputStream in, String where) {
        Object loaded;
        try {
            loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (YAMLException e) {
            throw new BundleFormatException(where + ": not valid YAML: " + e.getMessage(), e);
        }
        Fields root = new Fields(where, "", asMap(loaded, where, "(document)"));
        int format = root.integer("formatVersion");
        if (format != BundleManifest.FORMAT_VERSION) {
            throw new BundleFormatException(where + ": formatVersion " + format + " is not supported (this installer reads "
                    + BundleManifest.FORMAT_VERSION + "); use an installer of the bundle's release");
        }
        List<String> arches = new ArrayList<>();
        for (Object a : root.list("architectures")) {
            arches.add(String.valueOf(a));
        }
        Map<String, String> versions = new TreeMap<>();
        Object v = root.raw.get("versions");
        if (v != null) {
            asMap(v, where, "versions").forEach((k, val) -> versions.put(k, String.valueOf(val)));
        }
        List<BundleManifest.FileEntry> files = new ArrayList<>();
        List<Object> rawFiles = root.list("files");
        for (int i = 0; i < rawFiles.size(); i++) {
            String path = "files[" + i + "]";
            Fields f = new Fields(where, path + ".", asMap(rawFiles.get(i), where, path));
            String sha = f.string("sha256");
            if (!Sha256.isHex(sha)) {
                throw new BundleFormatException(where + ": " + path + ".sha256: expected 64 lowercase hex digits, got '" + sha + "'");
            }
            String p = f.string("path");
            checkRelative(p, where, path + ".path");
            int mode = BundleManifest.FileEntry.MODE_NOT_RECORDED;
            Object rawMode = f.raw.get("mode");
            if (rawMode != null) {
                String m = String.valueOf(rawMode);
                if (!m.matches("0?[0-7]{3}")) {
                    throw new BundleFormatException(where + ": " + path + ".mode: expected permission bits like '0644', got '"
                            + m + "'");
                }
                mode = Integer.parseInt(m, 8);
            }
            files.add(new BundleManifest.FileEntry(p, f.longValue("size"), sha, mode));
        }
        List<BundleManifest.ImageEntry> images = new ArrayList<>();
        List<Object> rawImages = root.raw.containsKey("images") ? root.list("images") : List.of();
        for (int i = 0; i < rawImages.size(); i++) {
            String path = "images[" + i + "]";
            Fields f = new Fields(where, path + ".", asMap(rawImages.get(i), where, path));
            List<String> platforms = new ArrayList<>();
            for (Object p : f.list("platforms")) {
                platforms.add(String.valueOf(p));
            }
            images.add(new BundleManifest.ImageEntry(f.string("name"), f.string("digest"), f.string("mediaType"),
                    f.string("source"), platforms));
        }
        List<BundleManifest.Binary> binaries = new ArrayList<>();
        List<Object> rawBinaries = root.raw.containsKey("binaries") ? root.list("binaries") : List.of();
        for (int i = 0; i < rawBinaries.size(); i++) {
            String path = "binaries[" + i + "]";
            Fields f = new Fields(where, path + ".", asMap(rawBinaries.get(i), where, path));
            String p = f.string("path");
            checkRelative(p, where, path + ".path");
            binaries.add(new BundleManifest.Binary(f.string("name"), f.string("arch"),
                    f.raw.get("version") == null ? null : String.valueOf(f.raw.get("version")), p));
        }
        Object archive = root.raw.get("imageArchive");
        return new BundleManifest(format, root.string("name"), root.string("kubernetesVersion"), arches, versions,
                archive == null ? null : String.valueOf(archive), files, images, binaries);
    }

    /** Paths in the manifest are relative and never climb out of the bundle. */
    static void checkRelative(String p, String where, String field) {
        BundlePaths.unsafe(p).ifPresent(why -> {
            throw new BundleFormatException(where + ": " + field + ": '" + p + "' " + why
                    + "; it must be a relative path inside the bundle");
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String where, String path) {
        if (!(o instanceof Map)) {
            throw new BundleFormatException(where + ": " + path + ": expected a mapping");
        }
        return (Map<String, Object>) o;
    }

    private record Fields(String where, String prefix, Map<String, Object> raw) {
        Object required(String key) {
            Object v = raw.get(key);
            if (v == null) {
                throw new BundleFormatException(where + ": " + prefix + key + ": missing");
            }
            return v;
        }

        String string(String key) {
            return String.valueOf(required(key));
        }

        int integer(String key) {
            return (int) longValue(key);
        }

        long longValue(String key) {
            Object v = required(key);
            if (v instanceof Number n) {
                return n.longValue();
            }
            throw new BundleFormatException(where + ": " + prefix + key + ": expected a number, got '" + v + "'");
        }

        @SuppressWarnings("unchecked")
        List<Object> list(String key) {
            Object v = required(key);
            if (v instanceof List) {
                return (List<Object>) v;
            }
            throw new BundleFormatException(where + ": " + prefix + key + ": expected a list");
        }
    }
}
