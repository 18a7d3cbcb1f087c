package io.kubeferry.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class BundleVerifierTest {
    @TempDir
    Path dir;

    private BundleManifest writeBundle() throws IOException {
        Files.createDirectories(dir.resolve("bin/amd64"));
        Files.writeString(dir.resolve("bin/amd64/kubelet"), "kubelet stand-in binary");
        Files.writeString(dir.resolve("README.md"), "# readme\n");
        BundleManifest m = new BundleManifest(1, "kubeferry-1.34.1-linux-amd64", "1.34.1", List.of("amd64"),
                Map.of("kubernetes", "1.34.1"), null,
                List.of(entry("README.md"), entry("bin/amd64/kubelet")),
                List.of(new BundleManifest.ImageEntry("registry.k8s.io/pause:3.10", "sha256:" + "a".repeat(64),
                        "application/vnd.oci.image.index.v1+json", "registry.k8s.io/pause:3.10", List.of("linux/amd64"))),
                List.of(new BundleManifest.Binary("kubelet", "amd64", "1.34.1", "bin/amd64/kubelet")));
        Files.write(dir.resolve("bundle.yaml"), BundleManifestYaml.toBytes(m));
        return m;
    }

    private BundleManifest.FileEntry entry(String p) throws IOException {
        return new BundleManifest.FileEntry(p, Files.size(dir.resolve(p)), Sha256.ofFile(dir.resolve(p)));
    }

    @Test
    void manifestRoundTripsAndIsDeterministic() throws IOException {
        BundleManifest m = writeBundle();
        BundleManifest back = BundleManifestYaml.read(dir.resolve("bundle.yaml"));
        assertEquals(m, back);
        assertEquals("bin/amd64/kubelet", back.binary("kubelet", "amd64").orElseThrow().path());
        assertEquals(new String(BundleManifestYaml.toBytes(m), StandardCharsets.UTF_8),
                new String(BundleManifestYaml.toBytes(back), StandardCharsets.UTF_8));
    }

    @Test
    void intactBundleIsOkAndUserFilesAreOnlyNoted() throws IOException {
        writeBundle();
        Files.writeString(dir.resolve("inventory.yaml"), "hosts: []\n");
        VerificationReport r = new BundleVerifier().verifyDirectory(dir);
        assertTrue(r.ok(), r.format());
        assertEquals(VerificationReport.Kind.UNEXPECTED, r.issues().get(0).kind());
    }

    @Test
    void reportsTamperedTruncatedAndMissingByName() throws IOException {
        writeBundle();
        Files.writeString(dir.resolve("bin/amd64/kubelet"), "kubelet stand-in binarY"); // same size, other bytes
        Files.writeString(dir.resolve("README.md"), "# re");
        VerificationReport r = new BundleVerifier().verifyDirectory(dir);
        assertEquals(List.of("README.md: TRUNCATED", "bin/amd64/kubelet: TAMPERED"),
                r.failures().stream().map(i -> i.path() + ": " + i.kind()).toList());
        assertTrue(r.format().contains("bin/amd64/kubelet: tampered (expected sha256 "), r.format());
        Files.delete(dir.resolve("README.md"));
        assertEquals(VerificationReport.Kind.MISSING, new BundleVerifier().verifyDirectory(dir).failures().get(0).kind());
    }

    @Test
    void archiveWithOrWithoutTopDirectoryIsVerifiedInOnePass() throws Exception {
        writeBundle();
        for (String layout : List.of("top", "flat")) {
            Path archive = dir.resolveSibling(dir.getFileName() + "-" + layout + ".tar.gz");
            String cmd = layout.equals("top")
                    ? "tar -C " + dir.getParent() + " -czf " + archive + " " + dir.getFileName()
                    : "tar -C " + dir + " -czf " + archive + " .";
            assertEquals(0, new ProcessBuilder("sh", "-c", cmd).inheritIO().start().waitFor());
            VerificationReport r = new BundleVerifier().verifyArchive(archive);
            assertTrue(r.ok(), layout + ": " + r.format());
            Files.delete(archive);
        }
        Files.writeString(dir.resolve("README.md"), "# changed\n");
        Path archive = dir.resolveSibling(dir.getFileName() + "-bad.tar.gz");
        assertEquals(0, new ProcessBuilder("sh", "-c", "tar -C " + dir + " -czf " + archive + " .").start().waitFor());
        VerificationReport r = new BundleVerifier().verifyArchive(archive);
        assertEquals(List.of("README.md"), r.failures().stream().map(VerificationReport.FileIssue::path).toList());
        Files.delete(archive);
    }

    @Test
    void badManifestIsNamed() throws IOException {
        writeBundle();
        Files.writeString(dir.resolve("bundle.yaml"), Files.readString(dir.resolve("bundle.yaml"))
                .replaceFirst("sha256: [0-9a-f]+", "sha256: nothex"));
        var e = assertThrows(BundleFormatException.class, () -> new BundleVerifier().verifyDirectory(dir));
        assertTrue(e.getMessage().contains("files[0].sha256"), e.getMessage());
    }

    static final byte[] README = "# readme\n".getBytes(StandardCharsets.UTF_8);
    static final byte[] KUBELET = "kubelet stand-in binary".getBytes(StandardCharsets.UTF_8);

    /** An intact bundle archive "kb/" as the builder writes it, with {@code evil} written before bundle.yaml. */
    private Path bundleArchive(String evil) throws IOException {
        BundleManifest m = new BundleManifest(1, "kb", "1.34.1", List.of("amd64"), Map.of(), null,
                List.of(new BundleManifest.FileEntry("README.md", README.length, Sha256.ofBytes(README), 0644),
                        new BundleManifest.FileEntry("bin/amd64/kubelet", KUBELET.length, Sha256.ofBytes(KUBELET), 0755)),
                List.of(), List.of());
        Path a = dir.resolve(evil + ".tar.gz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(a)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            directory(tar, "kb/");
            file(tar, "kb/README.md", evil.equals("world-writable") ? 0100666 : 0100644, README);
            directory(tar, "kb/bin/");
            directory(tar, "kb/bin/amd64/");
            file(tar, "kb/bin/amd64/kubelet", evil.equals("setuid") ? 0104755 : 0100755, KUBELET);
            switch (evil) {
                case "dotdot" -> file(tar, "kb/bin/amd64/../../../evil-crictl", 0100755, KUBELET);
                case "absolute" -> {
                    TarArchiveEntry e = new TarArchiveEntry("x", true);
                    e.setName("/usr/local/bin/evil");
                    e.setSize(KUBELET.length);
                    e.setMode(0100755);
                    tar.putArchiveEntry(e);
                    tar.write(KUBELET);
                    tar.closeArchiveEntry();
                }
                case "symlink" -> link(tar, "kb/bin/amd64/runc", TarArchiveEntry.LF_SYMLINK, "../../../../usr/bin/runc");
                case "symlink-inside" -> link(tar, "kb/README-link", TarArchiveEntry.LF_SYMLINK, "README.md");
                case "hardlink" -> link(tar, "kb/bin/amd64/hard", TarArchiveEntry.LF_LINK, "/etc/shadow");
                case "chardev" -> special(tar, "kb/dev-null", TarArchiveEntry.LF_CHR);
                case "blockdev" -> special(tar, "kb/sda", TarArchiveEntry.LF_BLK);
                case "fifo" -> special(tar, "kb/pipe", TarArchiveEntry.LF_FIFO);
                case "duplicate" -> file(tar, "kb/README.md", 0100644, "# other readme\n".getBytes(StandardCharsets.UTF_8));
                default -> {
                }
            }
            file(tar, "kb/bundle.yaml", 0100644, BundleManifestYaml.toBytes(m));
            if (evil.equals("second-manifest")) {
                file(tar, "kb/bundle.yaml", 0100644, BundleManifestYaml.toBytes(m));
            }
        }
        return a;
    }

    private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(040755);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, int mode, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(mode);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream tar, String name, byte type, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static void special(TarArchiveOutputStream tar, String name, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode(0100666);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    @Test
    void intactArchiveWithRecordedModesIsOk() throws IOException {
        VerificationReport r = new BundleVerifier().verifyArchive(bundleArchive("none"));
        assertTrue(r.ok(), r.format());
        assertEquals(0755, r.manifest().file("bin/amd64/kubelet").orElseThrow().mode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dotdot", "absolute", "symlink", "symlink-inside", "hardlink", "chardev", "blockdev", "fifo",
        "setuid", "world-writable", "duplicate", "second-manifest"})
    void archiveWithContentABundleNeverHoldsIsRefusedNamingTheEntry(String evil) throws IOException {
        String entry = switch (evil) {
            case "dotdot" -> "kb/bin/amd64/../../../evil-crictl";
            case "absolute" -> "/usr/local/bin/evil";
            case "symlink" -> "kb/bin/amd64/runc";
            case "symlink-inside" -> "kb/README-link";
            case "hardlink" -> "kb/bin/amd64/hard";
            case "chardev" -> "kb/dev-null";
            case "blockdev" -> "kb/sda";
            case "fifo" -> "kb/pipe";
            case "setuid" -> "kb/bin/amd64/kubelet";
            case "world-writable" -> "README.md";
            case "duplicate" -> "kb/README.md";
            case "second-manifest" -> "kb/bundle.yaml";
            default -> throw new IllegalArgumentException(evil);
        };
        VerificationReport r = new BundleVerifier().verifyArchive(bundleArchive(evil));
        assertFalse(r.ok(), evil + ": " + r.format());
        assertTrue(r.failures().stream().anyMatch(i -> i.kind() == VerificationReport.Kind.UNSAFE && i.path().equals(entry)),
                evil + ": " + r.format());
        assertTrue(r.format().contains("a bundle never holds"), r.format());
    }

    @Test
    void truncatedArchiveIsDamagedNotBadInput() throws IOException {
        Path whole = bundleArchive("none");
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
        var e = assertThrows(DamagedArchiveException.class, () -> new BundleVerifier().verifyArchive(cut));
        assertTrue(e.getMessage().contains("ends early"), e.getMessage());
    }

    private static void sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), command + ": " + out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"symlink-to-file", "symlink-to-dir", "listed-symlink", "fifo", "chardev", "setuid", "mode"})
    void directoryWithContentABundleNeverHoldsIsRefusedNamingThePath(String evil) throws Exception {
        Files.createDirectories(dir.resolve("bin/amd64"));
        Files.write(dir.resolve("bin/amd64/kubelet"), KUBELET);
        Files.write(dir.resolve("README.md"), README);
        sh("chmod 0755 " + dir.resolve("bin/amd64/kubelet") + " && chmod 0644 " + dir.resolve("README.md"));
        BundleManifest m = new BundleManifest(1, "kb", "1.34.1", List.of("amd64"), Map.of(), null,
                List.of(new BundleManifest.FileEntry("README.md", README.length, Sha256.ofBytes(README), 0644),
                        new BundleManifest.FileEntry("bin/amd64/kubelet", KUBELET.length, Sha256.ofBytes(KUBELET), 0755)),
                List.of(), List.of());
        Files.write(dir.resolve("bundle.yaml"), BundleManifestYaml.toBytes(m));
        assertTrue(new BundleVerifier().verifyDirectory(dir).ok());
        String path = switch (evil) {
            case "symlink-to-file" -> "notes.txt";
            case "symlink-to-dir" -> "etc";
            case "listed-symlink" -> "README.md";
            case "fifo" -> "pipe";
            case "chardev" -> "null";
            case "setuid" -> "bin/amd64/kubelet";
            case "mode" -> "README.md";
            default -> throw new IllegalArgumentException(evil);
        };
        Path p = dir.resolve(path);
        switch (evil) {
            case "symlink-to-file" -> Files.createSymbolicLink(p, Path.of("/etc/hostname"));
            case "symlink-to-dir" -> Files.createSymbolicLink(p, Path.of("/etc"));
            case "listed-symlink" -> {
                Path real = dir.resolveSibling(dir.getFileName() + "-readme");
                Files.write(real, README); // same bytes: only what it is gives it away
                Files.delete(p);
                Files.createSymbolicLink(p, real);
            }
            case "fifo" -> sh("mkfifo " + p);
            case "chardev" -> {
                org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mknod needs root");
                sh("mknod " + p + " c 1 3");
            }
            case "setuid" -> sh("chmod 4755 " + p);
            case "mode" -> sh("chmod 0666 " + p);
            default -> throw new IllegalArgumentException(evil);
        }
        VerificationReport r = new BundleVerifier().verifyDirectory(dir);
        assertFalse(r.ok(), evil + ": " + r.format());
        assertTrue(r.failures().stream().anyMatch(i -> i.kind() == VerificationReport.Kind.UNSAFE && i.path().equals(path)),
                evil + ": " + r.format());
    }
}
