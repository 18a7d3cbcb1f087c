package io.kubeferry.action;

import io.kubeferry.console.Console;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.ExitCode;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.Problem;
import io.kubeferry.files.StateDirectory;
import io.kubeferry.files.StateLock;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.InventoryLoader;
import io.kubeferry.phase.HostConnector;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.PhaseRunner;
import io.kubeferry.phase.RunContext;
import io.kubeferry.phase.RunOptions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs an action for a command: reads and checks the inventory and every phase's own input first (bad input
 * stops here, before anything is written, the log included), then opens the run's log (next to the
 * inventory), runs the phases, prints the per-host summary, the time per phase and the dry-run plan, and says
 * where the log is, on success and on failure.
 */
public final class ActionRunner {
    private final Path inventoryFile;
    private final RunOptions options;
    private final Function<Console, HostConnector> connector;
    private final PrintStream out;
    private final PrintStream err;

    /** @param connector makes the connector for this run (it may report to the run's console) */
    public ActionRunner(Path inventoryFile, RunOptions options, Function<Console, HostConnector> connector,
                        PrintStream out, PrintStream err) {
        this.inventoryFile = inventoryFile;
        this.options = options;
        this.connector = connector;
        this.out = out;
        this.err = err;
    }

    public void run(Action action) {
        Inventory inventory = loadAndValidate(action);
        PhaseRunner runner = new PhaseRunner();
        // taken before the log is opened: a refused second command leaves nothing behind
        try (StateLock lock = action.changesState() && !options.dryRun()
                ? StateDirectory.open(inventory.stateDir()).lock(commandName(action), options.waitForLock(),
                err::println) : null;
             Console console = new Console(out, err, options.verbose(), out == System.out && Console.isTerminal())) {
            openLog(console, action.name());
            try (RunContext ctx = new RunContext(options, console, runner, connector.apply(console))) {
                ctx.setInventory(inventory);
                if (lock != null) {
                    ctx.setStateLock(lock);
                }
                console.detail(String.format(Locale.ROOT, "%s: cluster %s, Kubernetes %s, %d hosts (%d control-plane,"
                                + " %d workers), endpoint %s", inventoryFile, inventory.cluster().name(),
                        inventory.cluster().kubernetesVersion(), inventory.hosts().size(), inventory.controlPlanes().size(),
                        inventory.workers().size(), inventory.controlPlaneUrl()));
                runner.run(ctx, action.phases(), action.keepGoing());
                printSummary(console, runner);
                if (options.dryRun()) {
                    printPlan(console, ctx);
                }
                console.info("log: " + console.logFile());
            } catch (KubeferryException e) {
                printSummary(console, runner);
                console.detail("failure: " + e.getMessage());
                throw new RunFailedException(e, console.redact(e.getMessage()), console.logFile());
            }
        }
    }

    private static String commandName(Action action) {
        return action.name().replace('-', ' ');
    }

    /** Everything about the input, before any write: the inventory, then each phase's own arguments. */
    private Inventory loadAndValidate(Action action) {
        boolean touchesHosts = action.phases().stream().anyMatch(p -> p instanceof HostPhase h && h.needsConnection()
                || p.usesSsh());
        InventoryLoader.Loaded loaded = new InventoryLoader().read(inventoryFile,
                touchesHosts ? InventoryLoader.Use.HOSTS : InventoryLoader.Use.LOCAL);
        Inventory inventory = action.input().apply(loaded.inventory());
        List<Problem> problems = new ArrayList<>();
        for (Phase p : action.phases()) {
            try {
                p.validate(inventory);
            } catch (BadInputException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
        for (Problem w : loaded.warnings()) {
            err.println("warning: " + w.where() + ": " + w.message());
        }
        return inventory;
    }

    /** Logs go next to the inventory (.kubeferry/logs), or to the temp dir when that is not writable. */
    private void openLog(Console console, String command) {
        String name = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")) + "-" + command + ".log";
        Path logDir = inventoryFile.toAbsolutePath().normalize().getParent().resolve(".kubeferry").resolve("logs");
        try {
            console.openLog(logDir.resolve(name));
        } catch (java.io.UncheckedIOException e) {
            // a per-user folder: another user's kubeferry-logs in /tmp must not stop the run
            Path fallback = Path.of(System.getProperty("java.io.tmpdir"), "kubeferry-logs-" + System.getProperty("user.name"), name);
            try {
                console.openLog(fallback);
            } catch (java.io.UncheckedIOException again) {
                console.warn("no run log: cannot write " + logDir + " nor " + fallback.getParent());
            }
        }
    }

    private static void printSummary(Console console, PhaseRunner runner) {
        Map<String, PhaseRunner.HostOutcome> summary = runner.summary();
        if (!summary.isEmpty()) {
            console.info("Summary:");
            summary.forEach((host, o) -> console.info(String.format("    %-20s %-8s %s%s", host, o.status(), o.phase(),
                    o.detail().isEmpty() ? "" : ": " + o.detail().lines().findFirst().orElse(""))));
        }
        Map<String, Duration> times = runner.phaseTimes();
        if (times.size() > 1) {
            console.info("Time per phase:");
            times.forEach((phase, took) -> console.info(String.format(Locale.ROOT, "    %-48s %6.1f s", phase,
                    took.toMillis() / 1000.0)));
        }
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

    /** A typed failure of a run, with the path of the log that has the details. */
    public static final class RunFailedException extends KubeferryException {
        private final KubeferryException cause;
        private final transient Path log;

        /** @param redactedMessage the cause's message with every registered secret masked */
        RunFailedException(KubeferryException cause, String redactedMessage, Path log) {
            super(redactedMessage, cause);
            this.cause = cause;
            this.log = log;
        }

        @Override
        public ExitCode exitCode() {
            return cause.exitCode();
        }

        public Path logFile() {
            return log;
        }

        public KubeferryException original() {
            return cause;
        }
    }
}
