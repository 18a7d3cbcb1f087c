package io.kubeferry.bundle;

/** An archive entry would land outside the extraction directory (../, absolute path, link pointing out). */
public class UnsafeArchiveEntryException extends BundleFormatException {
    private final String entry;

    public UnsafeArchiveEntryException(String entry, String reason) {
        super("unsafe archive entry '" + entry + "': " + reason + "; the archive was not extracted further");
        this.entry = entry;
    }

    public String entry() {
        return entry;
    }
}
