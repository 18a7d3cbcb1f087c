package io.kubeferry.cli;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.builtin.LoadInventoryPhase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "phase", mixinStandardHelpOptions = true,
        description = "Run one phase by name (after loading the inventory). Phases: connect, gather-facts, check-hosts.")
final class PhaseCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Parameters(index = "0", paramLabel = "NAME", description = "The phase to run.")
    String name;

    @Override
    public Integer call() {
        var named = Phases.named();
        if (!named.containsKey(name)) {
            throw new BadInputException("phase " + name, "no such phase; choose one of " + String.join(", ", named.keySet()));
        }
        List<Phase> phases = List.of(new LoadInventoryPhase(options.inventory), named.get(name).get());
        new HostRun("phase-" + name, options, Connectors.ssh()).run(phases, System.out, System.err);
        return 0;
    }
}
