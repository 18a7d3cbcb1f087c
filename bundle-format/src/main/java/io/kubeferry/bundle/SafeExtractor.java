package io.kubeferry.bundle;

import io.kubeferry.files.PrivateFiles;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts a .tar.gz or .tar into a directory, refusing any entry that would land outside it: {@code ../}
 * components, absolute paths, symlinks or hard links whose target is outside, writes through an already extracted
 * symlink, symlinks whose target goes through an already extracted symlink, entries that would replace a
 * directory, and device or fifo entries. The first unsafe entry stops the extraction with
 * {@link UnsafeArchiveEntryException} naming it.
 */
public final class SafeExtractor {

    public void extract(Path archive, Path targetDir) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            extract(BundleVerifier.maybeGunzip(in), targetDir);
        }
    }

    public void extract(InputStream tarStream, Path targetDir) throws IOException {
        Files.createDirectories(targetDir);
        Path root = targetDir.toRealPath();
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            String name = e.getName();
            Path dest = inside(root, name, name);
            if (e.isDirectory()) {
                Files.createDirectories(dest);
                checkRealParent(root, dest.resolve("x"), name);
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
            } else if (e.isFile()) {
                Files.createDirectories(dest.getParent());
                checkRealParent(root, dest, name);
                if (Files.isSymbolicLink(dest)) {
                    throw new UnsafeArchiveEntryException(name, "would write through an existing symlink");
                }
                refuseReplacingDirectory(dest, name);
                Files.copy(tar, dest, StandardCopyOption.REPLACE_EXISTING);
                setMode(dest, e.getMode());
            } else {
                throw new UnsafeArchiveEntryException(name, "device, fifo or other special entry");
            }
        }
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
        Files.setPosixFilePermissions(file, PrivateFiles.permissions(mode));
    }
}
