package io.kubeferry.bundle;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Checks a bundle against its {@code bundle.yaml}: every listed file present, with the listed size and sha256, and
 * nothing a bundle never holds. A bundle holds regular files and directories only, inside it, with no more
 * permission bits than bundle.yaml records: symlinks, hard links, devices, fifos, paths with {@code ..} or absolute
 * paths, setuid/setgid/sticky bits and entries that appear twice are refused ({@link VerificationReport.Kind#UNSAFE},
 * named). Works on an extracted bundle directory ({@link #verifyDirectory}) or on the archive itself
 * ({@link #verifyArchive}, one streaming pass, nothing extracted). Throws {@link BundleFormatException} only when
 * there is no usable manifest ({@link DamagedArchiveException} when the archive is truncated or corrupt); every
 * file problem is returned in the report, named by path.
 */
public final class BundleVerifier {
    private static final int SPECIAL_BITS = 07000;
    private static final int SETUID_SETGID = 06000;

    /** Verifies a directory holding an extracted bundle (the directory that contains bundle.yaml). */
    public VerificationReport verifyDirectory(Path root) {
        Path manifestFile = root.resolve(BundleManifest.FILE_NAME);
        if (!Files.isRegularFile(manifestFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleFormatException(manifestFile + ": missing" + (Files.isSymbolicLink(manifestFile)
                    ? " (it is a symlink; a bundle holds regular files only)" : "") + "; " + root
                    + " is not an extracted Kubeferry bundle");
        }
        BundleManifest manifest;
        Path realRoot;
        try {
            manifest = BundleManifestYaml.read(manifestFile);
            realRoot = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // hashing is the slow part: files are independent, so use the cores
        List<VerificationReport.FileIssue> issues = new ArrayList<>(manifest.files().parallelStream()
                .map(f -> checkFile(realRoot, f))
                .filter(i -> i != null)
                .toList());
        Map<String, BundleManifest.FileEntry> listed = new HashMap<>();
        manifest.files().forEach(f -> listed.put(f.path(), f));
        try (Stream<Path> walk = Files.walk(realRoot)) {
            for (Path p : walk.filter(p -> !p.equals(realRoot)).sorted().toList()) {
                String rel = realRoot.relativize(p).toString().replace('\\', '/');
                issueOnDisk(p, rel, listed.get(rel)).ifPresent(issues::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        issues.sort(Comparator.comparing(VerificationReport.FileIssue::path));
        return new VerificationReport(root.toString(), manifest, issues);
    }

    /** What is wrong with one path of an extracted bundle, by what it is (never following a link). */
    private static Optional<VerificationReport.FileIssue> issueOnDisk(Path p, String rel, BundleManifest.FileEntry listed)
            throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            return unsafe(rel, "a symlink (to " + Files.readSymbolicLink(p) + ")");
        }
        if (a.isDirectory()) {
            return Optional.empty(); // setgid on directories is inherited from where the user unpacked: harmless
        }
        if (!a.isRegularFile()) {
            return unsafe(rel, "a device, fifo or socket");
        }
        int mode = unixMode(p);
        if (mode >= 0 && (mode & SETUID_SETGID) != 0) {
            return unsafe(rel, "mode " + octal(mode) + " has setuid/setgid bits");
        }
        if (listed == null) {
            return rel.equals(BundleManifest.FILE_NAME) ? Optional.empty() : Optional.of(new VerificationReport.FileIssue(
                    rel, VerificationReport.Kind.UNEXPECTED, "not listed in bundle.yaml"));
        }
        // unpacking applies the umask, which only takes bits away: more than recorded was added afterwards
        if (mode >= 0 && listed.modeRecorded() && (mode & 0777 & ~listed.mode()) != 0) {
            return unsafe(rel, "mode " + octal(mode & 0777) + " allows more than the " + octal(listed.mode())
                    + " bundle.yaml records");
        }
        return Optional.empty();
    }

    /** The file's mode bits including setuid/setgid/sticky, or -1 where the file system cannot tell. */
    private static int unixMode(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return -1;
        }
    }

    private static String octal(int mode) {
        return String.format("%04o", mode);
    }

    private static Optional<VerificationReport.FileIssue> unsafe(String path, String what) {
        return Optional.of(new VerificationReport.FileIssue(path, VerificationReport.Kind.UNSAFE, what));
    }

    private static VerificationReport.FileIssue checkFile(Path root, BundleManifest.FileEntry f) {
        Path p = root.resolve(f.path());
        try {
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    return null; // a link or special file: the walk reports it as unsafe
                }
                return new VerificationReport.FileIssue(f.path(), VerificationReport.Kind.MISSING, "expected "
                        + f.size() + " bytes");
            }
            long size = Files.size(p);
            VerificationReport.FileIssue sizeIssue = sizeIssue(f, size);
            if (sizeIssue != null) {
                return sizeIssue;
            }
            String actual = Sha256.ofFile(p);
            return shaIssue(f, actual);
        } catch (IOException e) {
            return new VerificationReport.FileIssue(f.path(), VerificationReport.Kind.MISSING, "cannot read: " + e.getMessage());
        }
    }

    private static VerificationReport.FileIssue sizeIssue(BundleManifest.FileEntry f, long size) {
        if (size < f.size()) {
            return new VerificationReport.FileIssue(f.path(), VerificationReport.Kind.TRUNCATED,
                    "expected " + f.size() + " bytes, found " + size);
        }
        if (size > f.size()) {
            return new VerificationReport.FileIssue(f.path(), VerificationReport.Kind.SIZE_CHANGED,
                    "expected " + f.size() + " bytes, found " + size);
        }
        return null;
    }

    private static VerificationReport.FileIssue shaIssue(BundleManifest.FileEntry f, String actual) {
        if (!actual.equals(f.sha256())) {
            return new VerificationReport.FileIssue(f.path(), VerificationReport.Kind.TAMPERED,
                    "expected sha256 " + f.sha256() + ", actual " + actual);
        }
        return null;
    }

    /** True for the tar types that are plain files (GNU tar treats contiguous files as regular ones). */
    static boolean isRegularFile(TarArchiveEntry e) {
        byte type = e.getLinkFlag();
        return (type == TarConstants.LF_NORMAL || type == TarConstants.LF_OLDNORM || type == TarConstants.LF_CONTIG)
                && !e.getName().endsWith("/");
    }

    /** Why an archive entry is something a bundle never holds, or empty; the name is the entry's, without "./". */
    static Optional<String> unsafeEntry(TarArchiveEntry e, String name) {
        String path = e.isDirectory() && name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        if (!path.isEmpty()) { // "./" itself, the root
            Optional<String> bad = BundlePaths.unsafe(path);
            if (bad.isPresent()) {
                return Optional.of("its path " + bad.get());
            }
        }
        if (e.isSymbolicLink()) {
            return Optional.of("a symlink (to " + e.getLinkName() + ")");
        }
        if (e.isLink()) {
            return Optional.of("a hard link (to " + e.getLinkName() + ")");
        }
        if (e.isCharacterDevice() || e.isBlockDevice()) {
            return Optional.of("a device");
        }
        if (e.isFIFO()) {
            return Optional.of("a fifo");
        }
        if (!e.isDirectory() && !isRegularFile(e)) {
            return Optional.of("a special entry (tar type '" + (char) e.getLinkFlag() + "')");
        }
        if ((e.getMode() & SPECIAL_BITS) != 0) {
            return Optional.of("mode " + octal(e.getMode() & 07777) + " has setuid/setgid/sticky bits");
        }
        return Optional.empty();
    }

    /** The entry name without a leading "./". */
    static String entryName(TarArchiveEntry e) {
        return e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
    }

    /**
     * Verifies a bundle archive (.tar.gz or .tar) in one streaming pass. Entries sit under one top directory
     * (the bundle name); bundle.yaml may come anywhere, the builder puts it last.
     */
    public VerificationReport verifyArchive(Path archive) {
        record Seen(long size, String sha256, int mode) {
        }
        Map<String, Seen> seenByEntry = new HashMap<>();
        List<VerificationReport.FileIssue> unsafe = new ArrayList<>();
        BundleManifest manifest = null;
        String prefix = "";
        String corruption = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             InputStream content = maybeGunzip(raw);
             TarArchiveInputStream tar = new TarArchiveInputStream(content)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = entryName(e);
                Optional<String> bad = unsafeEntry(e, name);
                if (bad.isPresent()) {
                    unsafe.add(new VerificationReport.FileIssue(e.getName(), VerificationReport.Kind.UNSAFE, bad.get()));
                    continue;
                }
                if (e.isDirectory()) {
                    continue;
                }
                if (seenByEntry.containsKey(name) || (manifest != null && name.equals(prefix + BundleManifest.FILE_NAME))) {
                    unsafe.add(new VerificationReport.FileIssue(e.getName(), VerificationReport.Kind.UNSAFE,
                            "appears twice in the archive (unpacking keeps the last one, which is not what was checked)"));
                    continue;
                }
                // bundle.yaml marks the bundle root: the top directory (kubeferry-<version>-linux-<arch>/) or none
                if (manifest == null && (name.equals(BundleManifest.FILE_NAME) || (name.endsWith("/" + BundleManifest.FILE_NAME)
                        && name.indexOf('/') == name.length() - BundleManifest.FILE_NAME.length() - 1))) {
                    if (e.getSize() > SafeExtractor.MAX_MANIFEST_BYTES) {
                        throw new BundleFormatException(archive + "!" + e.getName() + ": " + e.getSize()
                                + " bytes, far more than a manifest; not a Kubeferry bundle");
                    }
                    byte[] yaml = tar.readAllBytes(); // read whole first: a cut here is a damaged archive, not bad YAML
                    manifest = BundleManifestYaml.read(new java.io.ByteArrayInputStream(yaml), archive + "!" + e.getName());
                    prefix = name.substring(0, name.length() - BundleManifest.FILE_NAME.length());
                } else {
                    Sha256.CountingDigestStream sink = new Sha256.CountingDigestStream(OutputStream.nullOutputStream());
                    tar.transferTo(sink);
                    seenByEntry.put(name, new Seen(sink.count(), sink.hex(), e.getMode() & 0777));
                }
            }
            // the tar reader takes a short read for the end: the rest of a cut gzip stream says whether it was
            content.transferTo(OutputStream.nullOutputStream());
        } catch (EOFException e) {
            corruption = "the archive ends early (truncated download or copy)";
        } catch (IOException e) {
            corruption = "the archive is corrupt: " + e.getMessage();
        }
        if (manifest == null) {
            if (corruption != null) {
                throw new DamagedArchiveException(archive + ": no bundle.yaml found (" + corruption
                        + "); copy or download the bundle again");
            }
            throw new BundleFormatException(archive + ": no bundle.yaml found; not a Kubeferry bundle");
        }
        Map<String, Seen> seen = new HashMap<>();
        for (Map.Entry<String, Seen> en : seenByEntry.entrySet()) {
            String key = en.getKey().startsWith(prefix) ? en.getKey().substring(prefix.length()) : "../" + en.getKey();
            seen.put(key, en.getValue());
        }
        List<VerificationReport.FileIssue> issues = new ArrayList<>(unsafe);
        if (corruption != null) {
            issues.add(new VerificationReport.FileIssue(archive.getFileName().toString(),
                    VerificationReport.Kind.CORRUPT_ARCHIVE, corruption));
        }
        Set<String> listed = new HashSet<>();
        for (BundleManifest.FileEntry f : manifest.files()) {
            listed.add(f.path());
            Seen s = seen.get(f.path());
            VerificationReport.FileIssue issue;
            if (s == null) {
                issue = new VerificationReport.FileIssue(f.path(), VerificationReport.Kind.MISSING, "expected " + f.size() + " bytes");
            } else if (f.modeRecorded() && (s.mode() & ~f.mode()) != 0) {
                issue = new VerificationReport.FileIssue(f.path(), VerificationReport.Kind.UNSAFE, "mode " + octal(s.mode())
                        + " allows more than the " + octal(f.mode()) + " bundle.yaml records");
            } else {
                issue = sizeIssue(f, s.size());
                if (issue == null) {
                    issue = shaIssue(f, s.sha256());
                }
            }
            if (issue != null) {
                issues.add(issue);
            }
        }
        seen.keySet().stream().filter(p -> !listed.contains(p)).sorted().forEach(p -> issues.add(
                new VerificationReport.FileIssue(p, VerificationReport.Kind.UNEXPECTED, "not listed in bundle.yaml")));
        issues.sort(Comparator.comparing(VerificationReport.FileIssue::path));
        return new VerificationReport(archive.toString(), manifest, issues);
    }

    /** Verifies a directory or an archive, whichever {@code bundle} is. */
    public VerificationReport verify(Path bundle) {
        return Files.isDirectory(bundle) ? verifyDirectory(bundle) : verifyArchive(bundle);
    }

    static InputStream maybeGunzip(InputStream in) throws IOException {
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }
}
