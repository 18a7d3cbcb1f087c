package io.kubeferry.bundle;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Checks a bundle against its {@code bundle.yaml}: every listed file present, with the listed size and sha256.
 * Works on an extracted bundle directory ({@link #verifyDirectory}) or on the archive itself ({@link #verifyArchive},
 * one streaming pass, nothing extracted). Throws {@link BundleFormatException} only when there is no usable
 * manifest; every file problem is returned in the report, named by path.
 */
public final class BundleVerifier {

    /** Verifies a directory holding an extracted bundle (the directory that contains bundle.yaml). */
    public VerificationReport verifyDirectory(Path root) {
        Path manifestFile = root.resolve(BundleManifest.FILE_NAME);
        if (!Files.isRegularFile(manifestFile)) {
            throw new BundleFormatException(manifestFile + ": missing; " + root + " is not an extracted Kubeferry bundle");
        }
        BundleManifest manifest;
        try {
            manifest = BundleManifestYaml.read(manifestFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // hashing is the slow part: files are independent, so use the cores
        List<VerificationReport.FileIssue> issues = new ArrayList<>(manifest.files().parallelStream()
                .map(f -> checkFile(root, f))
                .filter(i -> i != null)
                .toList());
        Set<String> listed = new HashSet<>();
        manifest.files().forEach(f -> listed.add(f.path()));
        listed.add(BundleManifest.FILE_NAME);
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !listed.contains(p))
                    .sorted()
                    .forEach(p -> issues.add(new VerificationReport.FileIssue(p, VerificationReport.Kind.UNEXPECTED,
                            "not listed in bundle.yaml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        issues.sort(Comparator.comparing(VerificationReport.FileIssue::path));
        return new VerificationReport(root.toString(), manifest, issues);
    }

    private static VerificationReport.FileIssue checkFile(Path root, BundleManifest.FileEntry f) {
        Path p = root.resolve(f.path());
        try {
            if (!Files.isRegularFile(p)) {
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

    /**
     * Verifies a bundle archive (.tar.gz or .tar) in one streaming pass. Entries sit under one top directory
     * (the bundle name); bundle.yaml may come anywhere, the builder puts it last.
     */
    public VerificationReport verifyArchive(Path archive) {
        record Seen(long size, String sha256) {
        }
        Map<String, Seen> seenByEntry = new HashMap<>();
        BundleManifest manifest = null;
        String prefix = "";
        String corruption = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(maybeGunzip(raw))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                // bundle.yaml marks the bundle root: the top directory (kubeferry-<version>-linux-<arch>/) or none
                if (manifest == null && (name.equals(BundleManifest.FILE_NAME) || (name.endsWith("/" + BundleManifest.FILE_NAME)
                        && name.indexOf('/') == name.length() - BundleManifest.FILE_NAME.length() - 1))) {
                    manifest = BundleManifestYaml.read(tar, archive + "!" + e.getName());
                    prefix = name.substring(0, name.length() - BundleManifest.FILE_NAME.length());
                } else {
                    Sha256.CountingDigestStream sink = new Sha256.CountingDigestStream(java.io.OutputStream.nullOutputStream());
                    tar.transferTo(sink);
                    seenByEntry.put(name, new Seen(sink.count(), sink.hex()));
                }
            }
        } catch (EOFException e) {
            corruption = "the archive ends early (truncated download or copy)";
        } catch (IOException e) {
            corruption = "the archive is corrupt: " + e.getMessage();
        }
        if (manifest == null) {
            throw new BundleFormatException(archive + ": no bundle.yaml found"
                    + (corruption != null ? " (" + corruption + ")" : "; not a Kubeferry bundle"));
        }
        Map<String, Seen> seen = new HashMap<>();
        for (Map.Entry<String, Seen> en : seenByEntry.entrySet()) {
            String key = en.getKey().startsWith(prefix) ? en.getKey().substring(prefix.length()) : "../" + en.getKey();
            seen.put(key, en.getValue());
        }
        List<VerificationReport.FileIssue> issues = new ArrayList<>();
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
