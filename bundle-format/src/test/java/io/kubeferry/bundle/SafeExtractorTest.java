package io.kubeferry.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeExtractorTest {
    @TempDir
    Path tmp;

    /** Builds a tar.gz whose entries are given as {name, type, linkTarget-or-content}. */
    private Path archive(String[]... entries) throws IOException {
        Path a = tmp.resolve("a" + System.nanoTime() + ".tar.gz");
        try (OutputStream out = Files.newOutputStream(a);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String[] e : entries) {
                TarArchiveEntry te;
                switch (e[1]) {
                    case "file" -> {
                        te = new TarArchiveEntry(e[0]);
                        byte[] b = e[2].getBytes(StandardCharsets.UTF_8);
                        te.setSize(b.length);
                        te.setMode(0100644);
                        tar.putArchiveEntry(te);
                        tar.write(b);
                    }
                    case "dir" -> {
                        te = new TarArchiveEntry(e[0] + "/");
                        tar.putArchiveEntry(te);
                    }
                    case "symlink" -> {
                        te = new TarArchiveEntry(e[0], TarArchiveEntry.LF_SYMLINK);
                        te.setLinkName(e[2]);
                        tar.putArchiveEntry(te);
                    }
                    case "hardlink" -> {
                        te = new TarArchiveEntry(e[0], TarArchiveEntry.LF_LINK);
                        te.setLinkName(e[2]);
                        tar.putArchiveEntry(te);
                    }
                    case "chardev", "blockdev", "fifo" -> {
                        te = new TarArchiveEntry(e[0], e[1].equals("chardev") ? TarArchiveEntry.LF_CHR
                                : e[1].equals("blockdev") ? TarArchiveEntry.LF_BLK : TarArchiveEntry.LF_FIFO);
                        te.setMode(0100666);
                        tar.putArchiveEntry(te);
                    }
                    case "zeros" -> { // e[2] bytes of zeros: megabytes that gzip to almost nothing
                        te = new TarArchiveEntry(e[0]);
                        long n = Long.parseLong(e[2]);
                        te.setSize(n);
                        te.setMode(0100644);
                        tar.putArchiveEntry(te);
                        byte[] zeros = new byte[1 << 16];
                        for (long left = n; left > 0; left -= zeros.length) {
                            tar.write(zeros, 0, (int) Math.min(left, zeros.length));
                        }
                    }
                    default -> throw new IllegalArgumentException(e[1]);
                }
                tar.closeArchiveEntry();
            }
        }
        return a;
    }

    @Test
    void extractsOrdinaryEntriesAndInsideLinks() throws IOException {
        Path a = archive(new String[] {"b", "dir", ""}, new String[] {"b/x.txt", "file", "hello"},
                new String[] {"b/link", "symlink", "x.txt"}, new String[] {"b/hard", "hardlink", "b/x.txt"});
        Path out = tmp.resolve("out");
        new SafeExtractor().extract(a, out);
        assertEquals("hello", Files.readString(out.resolve("b/x.txt")));
        assertEquals("hello", Files.readString(out.resolve("b/link")));
        assertEquals("hello", Files.readString(out.resolve("b/hard")));
    }

    @Test
    void rejectsDotDot() throws IOException {
        Path a = archive(new String[] {"ok.txt", "file", "fine"}, new String[] {"sub/../../evil.txt", "file", "x"});
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, tmp.resolve("out")));
        assertEquals("sub/../../evil.txt", e.entry());
        assertFalse(Files.exists(tmp.resolve("evil.txt")));
    }

    @Test
    void rejectsAbsolutePaths() throws IOException {
        // commons-compress strips a leading '/' on write unless the name is set raw; write it via a symlink-free trick
        Path a = tmp.resolve("abs.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(a))) {
            TarArchiveEntry te = new TarArchiveEntry("x", true);
            te.setName("/tmp/kubeferry-evil-" + System.nanoTime());
            te.setSize(1);
            tar.putArchiveEntry(te);
            tar.write('x');
            tar.closeArchiveEntry();
        }
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, tmp.resolve("out")));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
    }

    @Test
    void rejectsSymlinkPointingOut() throws IOException {
        Path a = archive(new String[] {"esc", "symlink", "../../etc"});
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, tmp.resolve("out")));
        assertEquals("esc", e.entry());
        Path b = archive(new String[] {"abs", "symlink", "/etc/passwd"});
        assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(b, tmp.resolve("out2")));
    }

    @Test
    void rejectsHardLinkPointingOut() throws IOException {
        Path a = archive(new String[] {"h", "hardlink", "../outside.txt"});
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, tmp.resolve("out")));
        assertEquals("h", e.entry());
    }

    @Test
    void rejectsWritingThroughAnExtractedSymlink() throws IOException {
        Files.createDirectories(tmp.resolve("victim"));
        // the target already holds a link pointing out (e.g. a tampered earlier extraction): never write through it
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.createSymbolicLink(out.resolve("d"), Path.of("../victim"));
        Path a = archive(new String[] {"d/pwned", "file", "x"});
        assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, out));
        assertFalse(Files.exists(tmp.resolve("victim/pwned")));
    }

    @Test
    void rejectsSymlinkEscapingThroughAnEarlierSymlink() throws IOException {
        // lexically a/y/../.. is the target dir itself, but a/y is the target dir, so a/z would be its parent
        Path a = archive(new String[] {"a", "dir", ""}, new String[] {"a/y", "symlink", ".."},
                new String[] {"a/z", "symlink", "y/../.."});
        Path out = tmp.resolve("out");
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, out));
        assertEquals("a/z", e.entry());
        assertTrue(e.getMessage().contains("existing symlink a/y"), e.getMessage());
        assertFalse(Files.exists(out.resolve("a/z"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void rejectsSymlinkWhoseCheckedPathALaterEntryCouldTurnIntoALink() throws IOException {
        // '..' after a component that does not exist yet: a later a/q -> .. would make a/z escape
        Path a = archive(new String[] {"a", "dir", ""}, new String[] {"a/z", "symlink", "q/../.."},
                new String[] {"a/q", "symlink", ".."});
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, tmp.resolve("out")));
        assertEquals("a/z", e.entry());
        // the same with a/q an (empty) directory first: then replacing it by a link is what is refused
        Path b = archive(new String[] {"a/q", "dir", ""}, new String[] {"a/z", "symlink", "q/../.."},
                new String[] {"a/q", "symlink", ".."});
        var e2 = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(b, tmp.resolve("out2")));
        assertEquals("a/q", e2.entry());
        assertTrue(e2.getMessage().contains("replace an existing directory"), e2.getMessage());
    }

    @Test
    void acceptsInsideSymlinksWithDotDotThroughRealDirectories() throws IOException {
        Path a = archive(new String[] {"a/b", "dir", ""}, new String[] {"c.txt", "file", "c"},
                new String[] {"a/b/l", "symlink", "../../c.txt"}, new String[] {"a/m", "symlink", "b/../../c.txt"});
        Path out = tmp.resolve("out");
        new SafeExtractor().extract(a, out);
        assertEquals("c", Files.readString(out.resolve("a/b/l")));
        assertEquals("c", Files.readString(out.resolve("a/m")));
    }

    /** Every path under {@code dir}, relative, sorted: what an extraction left. */
    private static java.util.List<String> tree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return java.util.List.of();
        }
        try (var walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"chardev", "blockdev", "fifo"})
    void refusesDevicesAndFifosInsteadOfMakingEmptyFiles(String type) throws IOException {
        Path a = archive(new String[] {"ok.txt", "file", "fine"}, new String[] {"sub/" + type, type, ""});
        Path out = tmp.resolve("out");
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor().extract(a, out));
        assertEquals("sub/" + type, e.entry());
        assertTrue(e.getMessage().contains("device, fifo or other special entry"), e.getMessage());
        assertEquals(java.util.List.of("ok.txt"), tree(out), "nothing made for the special entry");
    }

    @Test
    void stopsAtTheTotalSizeAllowed() throws IOException {
        // 8 MiB of zeros gzip to a few KB: the extraction stops at the bound, before writing the entry
        Path bomb = archive(new String[] {"small.txt", "file", "x"}, new String[] {"zeros", "zeros", String.valueOf(8 << 20)});
        assertTrue(Files.size(bomb) < 100_000, "a small archive: " + Files.size(bomb));
        Path out = tmp.resolve("out");
        var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor(1 << 20).extract(bomb, out));
        assertEquals("zeros", e.entry());
        assertTrue(e.getMessage().contains("more than 1048576 bytes"), e.getMessage());
        assertEquals(java.util.List.of("small.txt"), tree(out));
        // the default bound lets ordinary archives through
        new SafeExtractor().extract(bomb, tmp.resolve("out2"));
        assertEquals(8 << 20, Files.size(tmp.resolve("out2/zeros")));
    }

    private static BundleManifest declaring(String path, long size) {
        return new BundleManifest(1, "kb", "1.34.1", java.util.List.of("amd64"), java.util.Map.of(), null,
                java.util.List.of(new BundleManifest.FileEntry(path, size, "0".repeat(64), 0644)),
                java.util.List.of(), java.util.List.of());
    }

    @Test
    void bundleExtractionStopsAtTheSizesBundleYamlDeclares() throws IOException {
        Path out = tmp.resolve("out");
        // a file larger than declared: refused from its header, nothing written
        Path big = archive(new String[] {"kb/a.txt", "zeros", String.valueOf(4 << 20)});
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(big))) {
            var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor()
                    .extractDeclared(BundleVerifier.maybeGunzip(in), out, declaring("a.txt", 5), "kb/"));
            assertEquals("kb/a.txt", e.entry());
            assertTrue(e.getMessage().contains("4194304 bytes where bundle.yaml declares 5"), e.getMessage());
        }
        assertEquals(java.util.List.of(), tree(out));
        // a file bundle.yaml does not list
        Path other = archive(new String[] {"kb/b.txt", "file", "hello"});
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(other))) {
            var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor()
                    .extractDeclared(BundleVerifier.maybeGunzip(in), out, declaring("a.txt", 5), "kb/"));
            assertEquals("kb/b.txt", e.entry());
            assertTrue(e.getMessage().contains("not listed in bundle.yaml"), e.getMessage());
        }
        // a link, even one pointing inside
        Path link = archive(new String[] {"kb/a.txt", "symlink", "b.txt"});
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(link))) {
            var e = assertThrows(UnsafeArchiveEntryException.class, () -> new SafeExtractor()
                    .extractDeclared(BundleVerifier.maybeGunzip(in), out, declaring("a.txt", 5), "kb/"));
            assertTrue(e.getMessage().contains("regular files and directories only"), e.getMessage());
        }
        assertEquals(java.util.List.of(), tree(out));
    }

    @Test
    void bundleIsVerifiedWholeBeforeAnythingIsWritten() throws IOException {
        byte[] readme = "# readme\n".getBytes(StandardCharsets.UTF_8);
        BundleManifest m = new BundleManifest(1, "kb", "1.34.1", java.util.List.of("amd64"), java.util.Map.of(), null,
                java.util.List.of(new BundleManifest.FileEntry("README.md", readme.length, Sha256.ofBytes(readme), 0644)),
                java.util.List.of(), java.util.List.of());
        String yaml = new String(BundleManifestYaml.toBytes(m), StandardCharsets.UTF_8);
        Path good = archive(new String[] {"kb/README.md", "file", "# readme\n"}, new String[] {"kb/bundle.yaml", "file", yaml});
        Path out = tmp.resolve("good");
        assertEquals(m, new SafeExtractor().extractBundle(good, out));
        assertEquals(java.util.List.of("kb", "kb/README.md", "kb/bundle.yaml"), tree(out));
        // README.md swapped for 4 MiB of zeros: refused by the verification, before any byte is written
        Path bad = archive(new String[] {"kb/README.md", "zeros", String.valueOf(4 << 20)},
                new String[] {"kb/bundle.yaml", "file", yaml});
        Path badOut = tmp.resolve("bad");
        var e = assertThrows(DamagedArchiveException.class, () -> new SafeExtractor().extractBundle(bad, badOut));
        assertTrue(e.getMessage().contains("README.md: size changed (expected " + readme.length + " bytes, found 4194304)"),
                e.getMessage());
        assertEquals(java.util.List.of(), tree(badOut));
    }
}
