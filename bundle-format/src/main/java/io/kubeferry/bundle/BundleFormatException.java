package io.kubeferry.bundle;

/** A bundle or its manifest is malformed or unsafe; the message names the file or entry and what is wrong. */
public class BundleFormatException extends RuntimeException {
    public BundleFormatException(String message) {
        super(message);
    }

    public BundleFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
