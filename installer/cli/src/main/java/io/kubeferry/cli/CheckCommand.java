package io.kubeferry.cli;

import io.kubeferry.phase.builtin.ConnectPhase;
import io.kubeferry.phase.builtin.GatherFactsPhase;
import io.kubeferry.phase.builtin.LoadInventoryPhase;
import io.kubeferry.phase.builtin.ReportFactsPhase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate the inventory, connect to every host and print its facts and preflight findings."
                + " Changes nothing.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Override
    public Integer call() {
        new HostRun("check", options, Connectors.ssh()).run(List.of(new LoadInventoryPhase(options.inventory),
                new ConnectPhase(), new GatherFactsPhase(), new ReportFactsPhase()), System.out, System.err);
        return 0;
    }
}
