package io.kubeferry.bundle;

/**
 * An archive entry would land outside the extraction directory (../, absolute path, link pointing out), is a
 * device or fifo, or goes beyond the sizes allowed.
 */
public class UnsafeArchiveEntryException extends DamagedArchiveException {
    private final String entry;

    public UnsafeArchiveEntryException(String entry, String reason) {
        super("unsafe archive entry '" + entry + "': " + reason + "; the archive was not extracted further");
        this.entry = entry;
    }

    public String entry() {
        return entry;
    }
}
