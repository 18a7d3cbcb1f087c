package io.kubeferry.testbed.standin;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Container images for the install tests, as OCI image archives (an OCI image layout in a tar: what
 * {@code ctr -n k8s.io images import} and {@code skopeo copy oci-archive:...} take), one image per archive, one
 * layer per image, reproducible (fixed times and owners):
 * <ul>
 *   <li>{@link #writeEtcdImage}: a REAL etcd and etcdctl at /usr/local/bin (Debian trixie's 3.5.16 from
 *   {@value #TRIXIE_BIN}, made by scripts/fetch-debian-tools.sh; else the machine's /usr/bin/etcd, with a note on
 *   stderr), the shared libraries ldd lists for them, /etc/passwd and /etc/group;</li>
 *   <li>{@link #writeBusyboxImage}: the machine's static busybox, for the images the kubelet stand-in does not run
 *   (kube-apiserver, controller-manager, scheduler, pause, haproxy...): they only need to exist.</li>
 * </ul>
 * Files are streamed from disk into the layer, never held in memory.
 */
public final class StandInImages {
    public static final String TRIXIE_BIN = "/var/lib/kubeferry-tools/trixie/usr/bin";
    private static final long MTIME_MILLIS = 1767225600000L; // 2026-01-01T00:00:00Z
    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

    private StandInImages() {
    }

    /**
     * One entry of an image's root file system.
     *
     * @param path       absolute path in the image
     * @param source     machine file whose content it gets (symlinks followed), or null for a symlink
     * @param linkTarget the symlink's target, or null for a file
     * @param mode       permission bits
     */
    public record ImageEntry(String path, Path source, String linkTarget, int mode) {
        public static ImageEntry file(String path, Path source, int mode) {
            return new ImageEntry(path, source, null, mode);
        }

        public static ImageEntry symlink(String path, String target) {
            return new ImageEntry(path, null, target, 0777);
        }
    }

    /** The etcd image if {@code name}'s repository is etcd, else a busybox stand-in image. */
    public static Path writeImageFor(Path outTar, String name) throws IOException {
        String repo = new StaticPod.Container("", name, List.of(), List.of(), List.of()).repositoryName();
        return repo.equals("etcd") ? writeEtcdImage(outTar, name) : writeBusyboxImage(outTar, name);
    }

    /** The directory whose etcd and etcdctl go into the etcd image: Debian trixie's (3.5.16) when fetched, else /usr/bin. */
    public static Path etcdBinaryDir() {
        Path trixie = Path.of(TRIXIE_BIN);
        if (Files.isExecutable(trixie.resolve("etcd")) && Files.isExecutable(trixie.resolve("etcdctl"))) {
            return trixie;
        }
        System.err.println("StandInImages: no etcd 3.5.16 in " + TRIXIE_BIN + " (run scripts/fetch-debian-tools.sh); "
                + "the etcd image gets the machine's /usr/bin/etcd instead (Debian 12: 3.4)");
        return Path.of("/usr/bin");
    }

    public static Path writeEtcdImage(Path outTar, String name) throws IOException {
        Path bin = etcdBinaryDir();
        List<ImageEntry> entries = new ArrayList<>();
        entries.add(ImageEntry.file("/usr/local/bin/etcd", bin.resolve("etcd"), 0755));
        entries.add(ImageEntry.file("/usr/local/bin/etcdctl", bin.resolve("etcdctl"), 0755));
        Set<String> libs = new TreeSet<>();
        libs.addAll(sharedLibraries(bin.resolve("etcd")));
        libs.addAll(sharedLibraries(bin.resolve("etcdctl")));
        for (String lib : libs) {
            entries.add(ImageEntry.file(lib, Path.of(lib), 0755));
        }
        entries.addAll(passwdAndGroup());
        return writeImage(outTar, name, entries, List.of("/usr/local/bin/etcd"));
    }

    public static Path writeBusyboxImage(Path outTar, String name) throws IOException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox) || !sharedLibraries(busybox).isEmpty()) {
            throw new IOException(busybox + " is missing or not static: apt-get install busybox-static");
        }
        List<ImageEntry> entries = new ArrayList<>();
        entries.add(ImageEntry.file("/bin/busybox", busybox, 0755));
        for (String applet : List.of("sh", "ls", "cat", "echo", "sleep", "true", "false", "env")) {
            entries.add(ImageEntry.symlink("/bin/" + applet, "busybox"));
        }
        entries.addAll(passwdAndGroup());
        return writeImage(outTar, name, entries, List.of("/bin/sh"));
    }

    /** The absolute paths ldd lists for a dynamically linked binary (none for a static one). */
    static List<String> sharedLibraries(Path binary) throws IOException {
        Process p = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running ldd " + binary);
        }
        Set<String> libs = new LinkedHashSet<>();
        for (String line : out.lines().toList()) {
            Matcher m = LDD_PATH.matcher(line);
            if (m.find()) {
                libs.add(m.group(1));
            }
        }
        return List.copyOf(libs);
    }

    private static List<ImageEntry> passwdAndGroup() throws IOException {
        Path dir = Files.createTempDirectory("standin-image-etc");
        Path passwd = Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        Path group = Files.writeString(dir.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        passwd.toFile().deleteOnExit();
        group.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        return List.of(ImageEntry.file("/etc/passwd", passwd, 0644), ImageEntry.file("/etc/group", group, 0644));
    }

    /**
     * Writes {@code outTar}: an OCI image layout (oci-layout, index.json naming the image {@code name} by the
     * {@code io.containerd.image.name} and {@code org.opencontainers.image.ref.name} annotations, blobs) holding one
     * image of one gzip layer with {@code entries} (parent directories added), whose config runs {@code cmd}.
     */
    public static Path writeImage(Path outTar, String name, List<ImageEntry> entries, List<String> cmd) throws IOException {
        Path layer = Files.createTempFile(outTar.toAbsolutePath().getParent(), ".layer", ".tar.gz");
        try {
            MessageDigest diff = sha256();
            MessageDigest compressed = sha256();
            GzipParameters gz = new GzipParameters();
            gz.setModificationTime(0);
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(layer));
                 DigestOutputStream compressedDigest = new DigestOutputStream(file, compressed);
                 GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(compressedDigest, gz);
                 DigestOutputStream diffDigest = new DigestOutputStream(gzip, diff);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(diffDigest)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                Set<String> dirs = new TreeSet<>();
                for (ImageEntry e : entries) {
                    for (Path d = Path.of(e.path()).getParent(); d != null && d.getNameCount() > 0; d = d.getParent()) {
                        dirs.add(d.toString().substring(1) + "/");
                    }
                }
                dirs.add("tmp/");
                for (String d : dirs) {
                    TarArchiveEntry t = new TarArchiveEntry(d);
                    t.setMode(d.equals("tmp/") ? 01777 : 0755);
                    put(tar, t, null);
                }
                for (ImageEntry e : entries) {
                    String path = e.path().substring(1);
                    if (e.linkTarget() != null) {
                        TarArchiveEntry t = new TarArchiveEntry(path, TarArchiveEntry.LF_SYMLINK);
                        t.setLinkName(e.linkTarget());
                        t.setMode(0777);
                        put(tar, t, null);
                    } else {
                        TarArchiveEntry t = new TarArchiveEntry(path);
                        t.setSize(Files.size(e.source()));
                        t.setMode(e.mode());
                        put(tar, t, e.source());
                    }
                }
            }
            String diffId = "sha256:" + hex(diff);
            String layerDigest = hex(compressed);
            long layerSize = Files.size(layer);
            String arch = KubeletStandIn.architecture();
            String config = "{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/bin:/usr/bin:/bin\"],"
                    + "\"Cmd\":[" + String.join(",", cmd.stream().map(NodeRegistration::q).toList()) + "],\"WorkingDir\":\"/\"},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]},"
                    + "\"history\":[{\"created\":\"2026-01-01T00:00:00Z\",\"created_by\":\"kubeferry testbed StandInImages (stand-in image)\"}]}";
            byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
            String configDigest = Manifests.sha256(configBytes);
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configDigest
                    + "\",\"size\":" + configBytes.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                    + "\"digest\":\"sha256:" + layerDigest + "\",\"size\":" + layerSize + "}]}";
            byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
            String tag = name.substring(name.lastIndexOf('/') + 1).contains(":") ? name.substring(name.lastIndexOf(':') + 1) : "latest";
            String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{"
                    + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + Manifests.sha256(manifestBytes)
                    + "\",\"size\":" + manifestBytes.length + ",\"annotations\":{\"io.containerd.image.name\":" + NodeRegistration.q(name)
                    + ",\"org.opencontainers.image.ref.name\":" + NodeRegistration.q(tag) + "}}]}";
            Path tmp = Files.createTempFile(outTar.toAbsolutePath().getParent(), ".image", ".tar",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
            try {
                writeLayout(tmp, index, configDigest, configBytes, manifestBytes, layerDigest, layer);
                Files.move(tmp, outTar, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return outTar;
        } finally {
            Files.deleteIfExists(layer);
        }
    }

    private static void writeLayout(Path tmp, String index, String configDigest, byte[] configBytes, byte[] manifestBytes,
                                    String layerDigest, Path layer) throws IOException {
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            putBytes(out, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            putBytes(out, "index.json", index.getBytes(StandardCharsets.UTF_8));
            put(out, dir("blobs/"), null);
            put(out, dir("blobs/sha256/"), null);
            putBytes(out, "blobs/sha256/" + configDigest, configBytes);
            putBytes(out, "blobs/sha256/" + Manifests.sha256(manifestBytes), manifestBytes);
            TarArchiveEntry l = new TarArchiveEntry("blobs/sha256/" + layerDigest);
            l.setSize(Files.size(layer));
            l.setMode(0644);
            put(out, l, layer);
        }
    }

    private static TarArchiveEntry dir(String name) {
        TarArchiveEntry t = new TarArchiveEntry(name);
        t.setMode(0755);
        return t;
    }

    private static void putBytes(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry t = new TarArchiveEntry(name);
        t.setSize(content.length);
        t.setMode(0644);
        tar.putArchiveEntry(fixed(t));
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void put(TarArchiveOutputStream tar, TarArchiveEntry t, Path content) throws IOException {
        tar.putArchiveEntry(fixed(t));
        if (content != null) {
            try (InputStream in = Files.newInputStream(content)) {
                in.transferTo(tar);
            }
        }
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry fixed(TarArchiveEntry t) {
        t.setModTime(MTIME_MILLIS);
        t.setIds(0, 0);
        t.setNames("root", "root");
        return t;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

}
