package io.kubeferry.builder.fetch;

/** Hears about transfers; implementations must be thread-safe (downloads run in parallel). */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {
    };

    /** @param total bytes expected, or -1 if unknown */
    default void started(String label, long total) {
    }

    /** @param bytes more bytes on disk; negative when a transfer had to start over from zero */
    default void advanced(String label, long bytes) {
    }

    /** An attempt failed; the next starts after {@code wait}. */
    default void retrying(String label, int attempt, int attempts, String reason, java.time.Duration wait) {
    }

    /** @param fromCache true when nothing was downloaded */
    default void finished(String label, boolean fromCache) {
    }
}
