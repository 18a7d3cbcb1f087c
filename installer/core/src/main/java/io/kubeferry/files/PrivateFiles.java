package io.kubeferry.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Local files written with their final mode from the first byte (a key is never readable by others, not
 * even for an instant) and moved into place atomically, so a reader sees the old file or the new one.
 */
public final class PrivateFiles {
    private PrivateFiles() {
    }

    /** POSIX permissions of an octal mode such as {@code 0600}. */
    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }

    /** Creates missing parent directories with {@code dirMode} (existing ones are left as they are). */
    public static void createDirectories(Path dir, int dirMode) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return;
        }
        if (abs.getParent() != null) {
            createDirectories(abs.getParent(), dirMode);
        }
        try {
            Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(permissions(dirMode)));
            Files.setPosixFilePermissions(abs, permissions(dirMode)); // the umask narrowed what createDirectory set
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made by another thread meanwhile
        }
    }

    /** Writes {@code content} to {@code file} with {@code mode}; parents made with {@code dirMode}. */
    public static void write(Path file, byte[] content, int mode, int dirMode) throws IOException {
        Path abs = file.toAbsolutePath();
        createDirectories(abs.getParent(), dirMode);
        Path tmp = tempBeside(abs, mode);
        try {
            Files.write(tmp, content);
            finish(tmp, abs, mode);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Streams {@code in} to {@code file} the same way (for large content). */
    public static void copy(InputStream in, Path file, int mode, int dirMode) throws IOException {
        Path abs = file.toAbsolutePath();
        createDirectories(abs.getParent(), dirMode);
        Path tmp = tempBeside(abs, mode);
        try {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            finish(tmp, abs, mode);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Path tempBeside(Path file, int mode) throws IOException {
        // created 0600 at most (then widened if the mode says so): nothing readable before it is complete
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(permissions(mode & 0600));
        return Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp", attr);
    }

    private static void finish(Path tmp, Path file, int mode) throws IOException {
        Files.setPosixFilePermissions(tmp, permissions(mode));
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
