package io.kubeferry.builder.fetch;

import io.kubeferry.errors.HostFailureException;

/** A source could not be fetched after every retry (exit code 1: a remote failed, not the input). */
public class DownloadFailedException extends HostFailureException {
    public DownloadFailedException(String host, String message, Throwable cause) {
        super(host, message, cause);
    }
}
