package io.kubeferry.files;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.UnexpectedStateException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster's state directory ({@code <inventory dir>/.kubeferry/<cluster>}): the CAs, keys and records
 * Kubeferry trusts later. It and its parent ({@code .kubeferry/}) and every directory made inside are created
 * 0700 whatever the umask, and one that another user could have changed (not owned by the caller, or writable
 * by group or others) is refused, never adopted: a CA planted there would sign every certificate.
 *
 * <p>Reading needs only an open directory; changing it needs its {@link StateLock} ({@link #lock}), which
 * keeps two commands from interleaving their writes.
 */
public final class StateDirectory {
    public static final int DIR_MODE = 0700;
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path path;

    private StateDirectory(Path path) {
        this.path = path;
    }

    /**
     * Creates the state directory and its parent (0700) if missing, and checks both.
     *
     * @throws BadInputException when one is not a directory, belongs to another user, is writable by group or
     *                           others, or cannot be created (the path and the fix are named)
     */
    public static StateDirectory open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (abs.getParent() != null && abs.getParent().getParent() != null) {
            Path kubeferryDir = abs.getParent();
            try {
                // where the inventory is: normally there already; not Kubeferry's to make private
                Files.createDirectories(kubeferryDir.getParent());
            } catch (IOException e) {
                throw LocalIoFailure.of(kubeferryDir.getParent(), "create the directory of the state directory", e);
            }
            ensurePrivateDirectory(kubeferryDir);
        }
        ensurePrivateDirectory(abs);
        return new StateDirectory(abs);
    }

    /** The state directory, checked as {@link #open} does, when it exists; nothing is created. */
    public static Optional<StateDirectory> existing(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (abs.getParent() != null && abs.getParent().getParent() != null) {
            checkPrivateDirectory(abs.getParent());
        }
        checkPrivateDirectory(abs);
        return Optional.of(new StateDirectory(abs));
    }

    public Path path() {
        return path;
    }

    /**
     * The directory at {@code relative} (e.g. {@code pki}), each missing part created 0700 and every part
     * checked like the state directory. For writing: call with the lock held.
     */
    public Path directory(Path relative) {
        return walk(relative, true);
    }

    /**
     * Checks the directories from the state directory down to {@code relative} that exist (nothing created):
     * what a reader trusts must be as private as what a writer makes.
     */
    public void checkExisting(Path relative) {
        walk(relative, false);
    }

    private Path walk(Path relative, boolean create) {
        Path target = resolveInside(relative);
        Path cur = path;
        for (Path part : path.relativize(target)) {
            if (part.toString().isEmpty()) {
                continue;
            }
            cur = cur.resolve(part);
            if (create) {
                ensurePrivateDirectory(cur);
            } else if (Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
                checkPrivateDirectory(cur);
            } else {
                break;
            }
        }
        return target;
    }

    /**
     * Takes the lock that every command changing this directory holds for its whole run.
     *
     * @param command the command, as the user typed it (e.g. {@code certs generate}): named to the one refused
     * @param wait    wait for the holder to finish instead of refusing
     * @throws UnexpectedStateException when another command (in this or another process) holds it and
     *                                  {@code wait} is false
     */
    public StateLock lock(String command, boolean wait) {
        return StateLock.acquire(this, command, wait, message -> { });
    }

    /** As {@link #lock(String, boolean)}, telling {@code waiting} once when it has to wait for another command. */
    public StateLock lock(String command, boolean wait, java.util.function.Consumer<String> waiting) {
        return StateLock.acquire(this, command, wait, waiting);
    }

    Path resolveInside(Path relative) {
        Path target = path.resolve(relative).normalize();
        if (!target.startsWith(path)) {
            throw new IllegalArgumentException(relative + " is outside the state directory " + path);
        }
        return target;
    }

    private static void ensurePrivateDirectory(Path dir) {
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PrivateFiles.permissions(DIR_MODE)));
                    Files.setPosixFilePermissions(dir, PrivateFiles.permissions(DIR_MODE)); // whatever the umask
                } catch (FileAlreadyExistsException e) {
                    // made meanwhile (another command, or another user): checked below like any existing one
                }
            }
        } catch (IOException e) {
            throw LocalIoFailure.of(dir, "create the state directory", e);
        }
        checkPrivateDirectory(dir);
    }

    private static void checkPrivateDirectory(Path dir) {
        try {
            if (Files.isSymbolicLink(dir)) {
                checkOwner(dir, owner(dir, LinkOption.NOFOLLOW_LINKS), "the link");
            }
            if (!Files.isDirectory(dir)) {
                throw new BadInputException(dir.toString(), "is not a directory; Kubeferry keeps the cluster's state"
                        + " there: move the file away");
            }
            checkOwner(dir, owner(dir), "it");
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new BadInputException(dir.toString(), "is writable by group or others (mode "
                        + PosixFilePermissions.toString(perms) + "): another user could have put a CA or keys there."
                        + " Check what it holds, then run `chmod 700 " + dir + "`");
            }
            if (perms.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                // ours, and nobody else could write: only narrow what others may read (keys live here)
                Files.setPosixFilePermissions(dir, PrivateFiles.permissions(DIR_MODE));
            }
        } catch (IOException e) {
            throw LocalIoFailure.of(dir, "check the state directory", e);
        }
    }

    private static void checkOwner(Path dir, int owner, String what) {
        int me = currentUid();
        if (owner != me) {
            throw new BadInputException(dir.toString(), "belongs to uid " + owner + ", not to you (uid " + me + "): "
                    + what + " could hold a CA or keys another user put there. Check what it holds, then run `chown -R "
                    + me + " " + dir + "` as root (or remove it)");
        }
    }

    private static int owner(Path p, LinkOption... options) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", options);
    }

    /** The effective uid of this process (Linux: /proc/self/status). */
    static int currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new UnexpectedStateException("cannot tell this process's user id from /proc/self/status ("
                    + e.getMessage() + "); Kubeferry runs on Linux with /proc mounted", e);
        }
        throw new UnexpectedStateException("/proc/self/status has no Uid line; Kubeferry runs on Linux with /proc mounted");
    }
}
