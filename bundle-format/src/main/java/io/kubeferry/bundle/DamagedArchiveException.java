package io.kubeferry.bundle;

/**
 * An archive is damaged (truncated, corrupt) or holds something a bundle never does: unexpected state (exit 3),
 * not bad input. The message names the archive or the entry.
 */
public class DamagedArchiveException extends BundleFormatException {
    public DamagedArchiveException(String message) {
        super(message);
    }

    public DamagedArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
