package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import io.kubeferry.errors.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs one phase of an action by name; the list in its help comes from the actions themselves. */
@Command(name = "phase", mixinStandardHelpOptions = true)
final class PhaseCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Parameters(index = "0", paramLabel = "NAME", description = "The phase to run (see the list above).")
    String name;

    @picocli.CommandLine.Option(names = "--bundle", paramLabel = "DIR", description = "The unpacked bundle to take"
            + " files from (default: the one this installer runs from).")
    java.nio.file.Path bundle;

    /** The command's description: every phase of every action, with its title. */
    static String[] description() {
        List<String> lines = new ArrayList<>();
        lines.add("Run one phase of an action by name, after the read-only phases before it in that action"
                + " (connect, gather facts), so it has what it reads. Phases:");
        for (Map.Entry<String, String> p : Actions.phaseTitles().entrySet()) {
            lines.add(String.format("  %-14s %s", p.getKey(), p.getValue()));
        }
        return lines.toArray(String[]::new);
    }

    @Override
    public Integer call() {
        var chosen = BundleOption.resolve(bundle);
        var action = Actions.phase(name, () -> io.kubeferry.install.InstallRun.forBundle(chosen, true, false)).orElseThrow(() -> new BadInputException("phase " + name,
                "no such phase; choose one of " + String.join(", ", Actions.phaseTitles().keySet())));
        options.runner().run(action);
        return 0;
    }
}
