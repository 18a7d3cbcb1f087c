package io.kubeferry.cli;

import io.kubeferry.console.Console;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.phase.HostConnector;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.PhaseRunner;
import io.kubeferry.phase.RunContext;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a list of phases for a command: opens the run's log (next to the inventory), runs, prints the
 * per-host summary and the dry-run plan, and says where the log is, on success and on failure.
 */
final class HostRun {
    private final String command;
    private final RunOptionsMixin options;
    private final Function<Console, HostConnector> connector;

    /** @param connector makes the connector for this run (it may report to the run's console) */
    HostRun(String command, RunOptionsMixin options, Function<Console, HostConnector> connector) {
        this.command = command;
        this.options = options;
        this.connector = connector;
    }

    void run(List<Phase> phases, PrintStream out, PrintStream err) {
        var runOptions = options.toRunOptions();
        PhaseRunner runner = new PhaseRunner();
        try (Console console = new Console(out, err, runOptions.verbose())) {
            openLog(console);
            try (RunContext ctx = new RunContext(runOptions, console, runner, connector.apply(console))) {
                runner.run(ctx, phases);
                printSummary(console, runner);
                if (runOptions.dryRun()) {
                    printPlan(console, ctx);
                }
                console.info("log: " + console.logFile());
            } catch (KubeferryException e) {
                printSummary(console, runner);
                console.detail("failure: " + e.getMessage());
                throw new LoggedFailure(e, console.redact(e.getMessage()), console.logFile());
            }
        }
    }

    /** Logs go next to the inventory (.kubeferry/logs), or to the temp dir when that is not writable. */
    private void openLog(Console console) {
        String name = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")) + "-" + command + ".log";
        Path logDir = options.inventory.toAbsolutePath().getParent().resolve(".kubeferry").resolve("logs");
        try {
            console.openLog(logDir.resolve(name));
        } catch (java.io.UncheckedIOException e) {
            console.openLog(Path.of(System.getProperty("java.io.tmpdir"), "kubeferry-logs", name));
        }
    }

    private static void printSummary(Console console, PhaseRunner runner) {
        Map<String, PhaseRunner.HostOutcome> summary = runner.summary();
        if (summary.isEmpty()) {
            return;
        }
        console.info("Summary:");
        summary.forEach((host, o) -> console.info(String.format("    %-20s %-8s %s%s", host, o.status(), o.phase(),
                o.detail().isEmpty() ? "" : ": " + o.detail().lines().findFirst().orElse(""))));
    }

    private static void printPlan(Console console, RunContext ctx) {
        if (ctx.plan().isEmpty()) {
            console.info("Dry run: nothing would change.");
            return;
        }
        console.info("Dry run: these changes would be made:");
        ctx.plan().byHost().forEach((host, changes) -> {
            console.info("  " + host + ":");
            changes.forEach(c -> console.info("    " + c));
        });
    }

    /** A typed failure, with the path of the log that has the details. */
    static final class LoggedFailure extends KubeferryException implements Main.HasLog {
        private final KubeferryException cause;
        private final Path log;

        /** @param redactedMessage the cause's message with every registered secret masked */
        LoggedFailure(KubeferryException cause, String redactedMessage, Path log) {
            super(redactedMessage, cause);
            this.cause = cause;
            this.log = log;
        }

        @Override
        public io.kubeferry.errors.ExitCode exitCode() {
            return cause.exitCode();
        }

        @Override
        public Path logFile() {
            return log;
        }

        KubeferryException original() {
            return cause;
        }
    }
}
