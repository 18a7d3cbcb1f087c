package io.kubeferry.cli;

import io.kubeferry.action.ActionRunner;
import io.kubeferry.action.Connectors;
import io.kubeferry.phase.RunOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by every command that works on hosts. */
public final class RunOptionsMixin {
    @Option(names = {"-i", "--inventory"}, required = true, paramLabel = "FILE",
            description = "The inventory YAML describing the cluster and its hosts.")
    Path inventory;

    @Option(names = "--concurrency", defaultValue = "30", paramLabel = "N",
            description = "Hosts worked on at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--dry-run", description = "Show what would change on each host; change nothing.")
    boolean dryRun;

    @Option(names = "--wait", description = "When another command is changing this cluster's state directory,"
            + " wait for it to finish instead of stopping.")
    boolean waitForLock;

    @Option(names = {"-v", "--verbose"}, description = "Print details (always written to the log).")
    boolean verbose;

    /** Runs actions on the hosts of this inventory, over SSH, printing to the console. */
    ActionRunner runner() {
        return runner(System.out);
    }

    /** @param out where the run's lines go (stderr when stdout carries the command's own output) */
    ActionRunner runner(java.io.PrintStream out) {
        return new ActionRunner(inventory, toRunOptions(), Connectors.ssh(), out, System.err);
    }

    RunOptions toRunOptions() {
        if (concurrency < 1) {
            throw new io.kubeferry.errors.BadInputException("--concurrency", "must be at least 1, got " + concurrency);
        }
        return new RunOptions(concurrency, dryRun, verbose, waitForLock);
    }
}
