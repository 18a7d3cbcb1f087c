package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate the inventory, connect to every host and print its facts and preflight findings."
                + " Changes nothing. Hosts that cannot be reached are reported; the others are still checked.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Override
    public Integer call() {
        options.runner().run(Actions.check());
        return 0;
    }
}
