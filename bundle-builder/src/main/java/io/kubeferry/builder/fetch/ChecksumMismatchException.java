package io.kubeferry.builder.fetch;

import io.kubeferry.errors.UnexpectedStateException;

/** A download's sha256 is not the expected one: the build stops, naming the file, the expected and the actual digest. */
public class ChecksumMismatchException extends UnexpectedStateException {
    private final String file;
    private final String expected;
    private final String actual;

    public ChecksumMismatchException(String file, String source, String expected, String actual) {
        super("checksum mismatch for " + file + " (from " + source + "): expected sha256 " + expected + ", actual "
                + actual + "; the source or the pinned checksum is wrong, nothing was added to the bundle");
        this.file = file;
        this.expected = expected;
        this.actual = actual;
    }

    public String file() {
        return file;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
