package io.kubeferry.bundle;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts a .tar.gz or .tar into a directory, refusing any entry that would land outside it: {@code ../}
 * components, absolute paths, symlinks or hard links whose target is outside, writes through an already extracted
 * symlink, symlinks whose target goes through an already extracted symlink, entries that would replace a
 * directory, and device, fifo or other special entries. It stops at a size: {@link #extract} at a total (by
 * default {@link #DEFAULT_MAX_TOTAL_BYTES}; a small archive of zeros must not fill the disk), {@link #extractBundle}
 * at the sizes the bundle's bundle.yaml declares. The first unsafe entry stops the extraction with
 * {@link UnsafeArchiveEntryException} naming it.
 */
public final class SafeExtractor {
    /** What {@link #extract} writes at most unless told otherwise: a JDK is 300 MB, a bomb is far more. */
    public static final long DEFAULT_MAX_TOTAL_BYTES = 2L << 30;
    /** bundle.yaml lists every file in a few lines each: far below this. */
    static final long MAX_MANIFEST_BYTES = 64L << 20;

    private final long maxTotalBytes;

    public SafeExtractor() {
        this(DEFAULT_MAX_TOTAL_BYTES);
    }

    /** @param maxTotalBytes the most bytes all files together may take; more stops the extraction */
    public SafeExtractor(long maxTotalBytes) {
        this.maxTotalBytes = maxTotalBytes;
    }

    /** The sizes files may have: by path below the bundle root, or any file when {@code declared} is null. */
    private record Limits(long maxTotalBytes, Map<String, Long> declared, String prefix) {
        long maxSize(String name) {
            if (declared == null) {
                return Long.MAX_VALUE;
            }
            String rel = name.startsWith(prefix) ? name.substring(prefix.length()) : null;
            Long size = rel == null ? null : declared.get(rel);
            return size == null ? -1 : size;
        }
    }

    public void extract(Path archive, Path targetDir) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            extract(BundleVerifier.maybeGunzip(in), targetDir);
        }
    }

    public void extract(InputStream tarStream, Path targetDir) throws IOException {
        extract(tarStream, targetDir, new Limits(maxTotalBytes, null, ""));
    }

    /**
     * Extracts a bundle archive: first verified whole against its bundle.yaml ({@link BundleVerifier}, nothing
     * written; refused with {@link DamagedArchiveException} naming what is wrong), then extracted holding every
     * file to the size bundle.yaml declares for it: regular files and directories only, no file it does not
     * list, none larger, and no more in total (the archive may change between the two reads).
     */
    public BundleManifest extractBundle(Path archive, Path targetDir) throws IOException {
        VerificationReport report = new BundleVerifier().verifyArchive(archive);
        if (!report.ok()) {
            throw new DamagedArchiveException(report.format());
        }
        BundleManifest manifest = report.manifest();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            extractDeclared(BundleVerifier.maybeGunzip(in), targetDir, manifest, topDirectory(archive, manifest));
        }
        return manifest;
    }

    /** The bundle's top directory inside the archive ("name/"), or "" when its files sit at the root. */
    private static String topDirectory(Path archive, BundleManifest manifest) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(BundleVerifier.maybeGunzip(in))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = BundleVerifier.entryName(e);
                if (!name.isEmpty()) {
                    return name.startsWith(manifest.name() + "/") ? manifest.name() + "/" : "";
                }
            }
        }
        return "";
    }

    /** Extracts with every file held to the size {@code manifest} declares for it (tests call this directly). */
    void extractDeclared(InputStream tarStream, Path targetDir, BundleManifest manifest, String prefix) throws IOException {
        Map<String, Long> declared = new HashMap<>();
        long total = MAX_MANIFEST_BYTES;
        for (BundleManifest.FileEntry f : manifest.files()) {
            declared.put(f.path(), f.size());
            total += f.size();
        }
        declared.put(BundleManifest.FILE_NAME, MAX_MANIFEST_BYTES);
        extract(tarStream, targetDir, new Limits(total, declared, prefix));
    }

    private void extract(InputStream tarStream, Path targetDir, Limits limits) throws IOException {
        Files.createDirectories(targetDir);
        Path root = targetDir.toRealPath();
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
        long written = 0;
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            String name = e.getName();
            Path dest = inside(root, name, name);
            if (e.isDirectory()) {
                Files.createDirectories(dest);
                checkRealParent(root, dest.resolve("x"), name);
            } else if (limits.declared() != null && !BundleVerifier.isRegularFile(e)) {
                throw new UnsafeArchiveEntryException(name, "a bundle holds regular files and directories only");
            } else if (e.isSymbolicLink()) {
                String link = e.getLinkName();
                if (link.startsWith("/")) {
                    throw new UnsafeArchiveEntryException(name, "symlink to absolute path " + link);
                }
                Files.createDirectories(dest.getParent());
                checkRealParent(root, dest, name);
                checkSymlinkTarget(root, dest, link, name);
                refuseReplacingDirectory(dest, name);
                Files.deleteIfExists(dest);
                Files.createSymbolicLink(dest, Path.of(link)); // checked above: resolves inside
            } else if (e.isLink()) {
                Path linkTarget = inside(root, e.getLinkName(), name);
                Files.createDirectories(dest.getParent());
                checkRealParent(root, dest, name);
                if (!linkTarget.toRealPath().startsWith(root)) {
                    throw new UnsafeArchiveEntryException(name, "hard link to " + e.getLinkName() + " points outside the target directory");
                }
                refuseReplacingDirectory(dest, name);
                Files.deleteIfExists(dest);
                Files.createLink(dest, linkTarget);
            } else if (BundleVerifier.isRegularFile(e)) { // isFile() is also true for devices and fifos
                long max = limits.maxSize(BundleVerifier.entryName(e));
                if (max < 0) {
                    throw new UnsafeArchiveEntryException(name, "not listed in bundle.yaml");
                }
                if (e.getSize() > max) {
                    throw new UnsafeArchiveEntryException(name, e.getSize() + " bytes where bundle.yaml declares " + max);
                }
                if (written + e.getSize() > limits.maxTotalBytes()) {
                    throw new UnsafeArchiveEntryException(name, "the archive unpacks to more than "
                            + limits.maxTotalBytes() + " bytes");
                }
                Files.createDirectories(dest.getParent());
                checkRealParent(root, dest, name);
                if (Files.isSymbolicLink(dest)) {
                    throw new UnsafeArchiveEntryException(name, "would write through an existing symlink");
                }
                refuseReplacingDirectory(dest, name);
                if (limits.declared() != null && Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                    throw new UnsafeArchiveEntryException(name, "appears twice in the archive");
                }
                Files.deleteIfExists(dest); // a new file, never writing through an earlier hard link
                written += copyAtMost(tar, dest, Math.min(max, limits.maxTotalBytes() - written), name);
                setMode(dest, e.getMode());
            } else {
                throw new UnsafeArchiveEntryException(name, "device, fifo or other special entry");
            }
        }
    }

    /** Copies an entry's bytes, stopping past {@code max} whatever its header said. */
    private static long copyAtMost(InputStream in, Path dest, long max, String name) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        try (OutputStream out = Files.newOutputStream(dest)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
                if (n > max) {
                    throw new UnsafeArchiveEntryException(name, "more than the " + max + " bytes allowed");
                }
                out.write(buf, 0, r);
            }
        }
        return n;
    }

    /** Resolves an entry name under root, rejecting absolute names and any '..' component. */
    private static Path inside(Path root, String entryName, String reportedName) {
        String n = entryName;
        if (n.startsWith("/") || n.matches("^[A-Za-z]:.*") || n.contains("\\")) {
            throw new UnsafeArchiveEntryException(reportedName, "absolute path");
        }
        for (String part : n.split("/")) {
            if (part.equals("..")) {
                throw new UnsafeArchiveEntryException(reportedName, "path contains '..'");
            }
        }
        Path p = root.resolve(n).normalize();
        if (!p.startsWith(root)) {
            throw new UnsafeArchiveEntryException(reportedName, "path escapes the target directory");
        }
        return p;
    }

    /**
     * Walks a symlink's target from the link's real parent (earlier entries may have made any parent a link), the
     * way the kernel will. A lexical check is not enough: with {@code a/y -> ..} extracted, {@code a/z -> y/../..}
     * looks inside but is the target's parent. So the walk refuses to go through an existing link, and refuses
     * {@code ..} after a component that is not an existing directory (a later entry could make it a link).
     */
    private static void checkSymlinkTarget(Path root, Path dest, String link, String name) throws IOException {
        Path at = dest.getParent().toRealPath();
        for (String part : link.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                    throw new UnsafeArchiveEntryException(name, "symlink to " + link + " goes up ('..') from "
                            + root.relativize(at) + ", which is not an existing directory");
                }
                at = at.getParent();
                if (at == null || !at.startsWith(root)) {
                    throw new UnsafeArchiveEntryException(name, "symlink to " + link + " points outside the target directory");
                }
                continue;
            }
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                throw new UnsafeArchiveEntryException(name, "symlink to " + link + " goes through the existing symlink "
                        + root.relativize(at));
            }
        }
        if (!at.startsWith(root)) {
            throw new UnsafeArchiveEntryException(name, "symlink to " + link + " points outside the target directory");
        }
    }

    /** A directory replaced by a link would change where links already checked against it lead. */
    private static void refuseReplacingDirectory(Path dest, String name) {
        if (Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new UnsafeArchiveEntryException(name, "would replace an existing directory");
        }
    }

    /** An earlier entry may have made a parent directory a symlink pointing out: follow it and check. */
    private static void checkRealParent(Path root, Path dest, String name) throws IOException {
        Path real = dest.getParent().toRealPath();
        if (!real.startsWith(root)) {
            throw new UnsafeArchiveEntryException(name, "parent directory is a link pointing outside the target directory");
        }
    }

    private static void setMode(Path file, int mode) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return;
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        Files.setPosixFilePermissions(file, perms);
    }
}
