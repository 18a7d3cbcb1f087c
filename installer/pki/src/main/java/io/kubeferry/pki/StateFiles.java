package io.kubeferry.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/** Writes state files atomically with their mode set before any byte lands (keys are never world-readable). */
final class StateFiles {
    static final int KEY_MODE = 0600;
    static final int CERT_MODE = 0644;
    static final int DIR_MODE = 0700;

    private StateFiles() {
    }

    /** Creates the directory and its missing parents up to and including {@code root} with mode 0700. */
    static void ensureDir(Path root, Path dir) {
        try {
            if (!Files.isDirectory(root)) {
                Files.createDirectories(root.getParent());
                createDir(root);
            }
            Path rel = root.relativize(dir);
            Path cur = root;
            for (Path part : rel) {
                if (part.toString().isEmpty()) {
                    continue;
                }
                cur = cur.resolve(part);
                if (!Files.isDirectory(cur)) {
                    createDir(cur);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static void createDir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(perms(DIR_MODE)));
        } catch (FileAlreadyExistsException e) {
            // another writer made it; fine
        }
        Files.setPosixFilePermissions(dir, perms(DIR_MODE));
    }

    static void restrictDir(Path dir) {
        try {
            if (!Files.getPosixFilePermissions(dir).equals(perms(DIR_MODE))) {
                Files.setPosixFilePermissions(dir, perms(DIR_MODE));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set the mode of " + dir, e);
        }
    }

    static void write(Path root, Path file, byte[] content, int mode) {
        ensureDir(root, file.getParent());
        writeInExistingDir(file, content, mode);
    }

    static void writeInExistingDir(Path file, byte[] content, int mode) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(perms(mode)));
            Files.write(tmp, content);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static byte[] read(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = new HashSet<>();
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(order[i]);
            }
        }
        return s;
    }
}
