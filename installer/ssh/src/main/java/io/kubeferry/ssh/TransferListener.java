package io.kubeferry.ssh;

import io.kubeferry.host.UploadResult;

/**
 * Follows an upload, e.g. to draw a progress bar. Called from the uploading thread; implementations
 * that are shared between hosts must be thread-safe.
 */
public interface TransferListener {
    /** Does nothing. */
    TransferListener NONE = new TransferListener() {
    };

    /**
     * Bytes start to flow for one attempt.
     *
     * @param offset where this attempt starts: 0, or the size of a verified partial file being resumed
     */
    default void started(String host, String remotePath, long size, long offset) {
    }

    /** @param done bytes of the file now on their way to the host (offset included) */
    default void progress(String host, String remotePath, long done, long size) {
    }

    /** An attempt failed (e.g. the connection dropped); the next one will resume from the partial file. */
    default void retrying(String host, String remotePath, int nextAttempt, String reason) {
    }

    /** The file is in place (or was already there: {@link UploadResult#skipped()}). */
    default void finished(String host, UploadResult result) {
    }
}
