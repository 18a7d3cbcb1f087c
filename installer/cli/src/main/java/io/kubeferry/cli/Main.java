package io.kubeferry.cli;

import io.kubeferry.action.ActionRunner;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.ExitCode;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.Problem;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Entry point of installer.jar. Maps every failure to an exit code in one place. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new InstallerCommand());
        cli.getSubcommands().get("phase").getCommandSpec().usageMessage().description(PhaseCommand.description());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr()));
        cli.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("error: " + e.getMessage());
            err.println("Run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCode.BAD_INPUT.code();
        });
        return cli;
    }

    /** The one place that turns an exception into a message and an exit code. */
    static int report(Exception thrown, PrintWriter err) {
        // a run's failure is printed with its redacted message; its original keeps the typed details
        Exception e = thrown instanceof ActionRunner.RunFailedException rf && rf.original() instanceof BadInputException
                ? rf.original() : thrown;
        if (e instanceof BadInputException bad) {
            long errors = bad.problems().stream().filter(p -> p.severity() == Problem.Severity.ERROR).count();
            err.println("error: " + errors + (errors == 1 ? " problem" : " problems") + " in the input; nothing was changed on any host:");
            for (Problem p : bad.problems()) {
                err.println("  " + p.format());
            }
        } else if (e instanceof KubeferryException k) {
            err.println("error: " + k.getMessage());
        } else {
            err.println("internal error (a bug in Kubeferry; please report it with the log): " + e);
            StackTraceElement[] trace = e.getStackTrace();
            for (int i = 0; i < Math.min(8, trace.length); i++) {
                err.println("    at " + trace[i]);
            }
        }
        if (thrown instanceof ActionRunner.RunFailedException rf && rf.logFile() != null) {
            err.println("log: " + rf.logFile());
        }
        err.flush();
        return e instanceof KubeferryException k ? k.exitCode().code() : ExitCode.INTERNAL.code();
    }
}
