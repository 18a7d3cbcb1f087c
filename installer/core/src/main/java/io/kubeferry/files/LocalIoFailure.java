package io.kubeferry.files;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.UnexpectedStateException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A local file operation that failed (permissions, a file in the way, a read-only or full disk) as a located
 * error the user can act on: bad input (exit 2) when the place is wrong, unexpected state (exit 3) when the
 * machine is (a full disk, an I/O error). Never an internal error: it is not a bug.
 */
public final class LocalIoFailure {
    private LocalIoFailure() {
    }

    /**
     * @param path  the file or directory being worked on (named in the message)
     * @param doing what was attempted, e.g. "create the state directory", "write"
     */
    public static KubeferryException of(Path path, String doing, IOException e) {
        String reason = reason(e);
        String lower = reason.toLowerCase(Locale.ROOT);
        String where = path.toString();
        if (e instanceof AccessDeniedException || lower.contains("permission denied")) {
            return new BadInputException(where, "cannot " + doing + ": permission denied"
                    + other(path, e) + "; give your user write access there, or move the inventory to a directory you own");
        }
        if (lower.contains("operation not permitted") || lower.contains("read-only file system")) {
            return new BadInputException(where, "cannot " + doing + ": " + reason + other(path, e)
                    + "; move the inventory to a writable directory you own");
        }
        if (e instanceof NotDirectoryException || e instanceof FileAlreadyExistsException
                || lower.contains("not a directory") || lower.contains("file exists")) {
            return new BadInputException(where, "cannot " + doing + ": a file is in the way" + other(path, e)
                    + "; move it away (Kubeferry needs a directory there)");
        }
        if (e instanceof NoSuchFileException) {
            return new BadInputException(where, "cannot " + doing + ": " + (e.getMessage() == null ? "missing"
                    : e.getMessage() + " does not exist") + "; check the path");
        }
        if (lower.contains("no space left") || lower.contains("quota")) {
            return new UnexpectedStateException(where + ": cannot " + doing + ": " + reason
                    + "; free some space and run the command again (it resumes where it stopped)", e);
        }
        return new UnexpectedStateException(where + ": cannot " + doing + ": " + reason
                + "; check the disk and the path, then run the command again", e);
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The exception's own file, when it is not the path already named (a parent, a temporary file). */
    private static String other(Path path, IOException e) {
        if (e instanceof FileSystemException fs && fs.getFile() != null && !fs.getFile().equals(path.toString())) {
            return " (on " + fs.getFile() + ")";
        }
        return "";
    }
}
