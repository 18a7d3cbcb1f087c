package io.kubeferry.phase;

/**
 * How a run behaves, from the command line.
 *
 * @param concurrency hosts worked on at once
 * @param dryRun      record what would change instead of changing it
 */
public record RunOptions(int concurrency, boolean dryRun, boolean verbose) {
    public RunOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
    }
}
