package io.kubeferry.phase;

/**
 * How a run behaves, from the command line.
 *
 * @param concurrency hosts worked on at once
 * @param dryRun      record what would change instead of changing it
 * @param waitForLock when another command holds the cluster's state directory, wait for it instead of refusing
 */
public record RunOptions(int concurrency, boolean dryRun, boolean verbose, boolean waitForLock) {
    public RunOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
    }

    public RunOptions(int concurrency, boolean dryRun, boolean verbose) {
        this(concurrency, dryRun, verbose, false);
    }
}
