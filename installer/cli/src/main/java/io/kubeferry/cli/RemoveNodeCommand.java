package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.install.InstallRun;
import io.kubeferry.inventory.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "remove-node", mixinStandardHelpOptions = true,
        description = {"Remove hosts from the running cluster. The inventory still lists them (to reach them): each is"
                + " cordoned and drained through the API (PodDisruptionBudgets respected, until --timeout), its Node"
                + " deleted, its etcd member removed (a control plane), and the host cleaned (services stopped, static"
                + " pods gone, the files the install wrote removed); then the remaining hosts are brought up to date"
                + " (API proxies, the API servers' etcd servers). Afterwards delete the hosts from the inventory: an"
                + " apply with them still listed adds them again.",
                "Exit 2 for an unknown name or the last control plane; exit 3 when removing etcd members would break"
                        + " its quorum (the members healthy and needed are said)."})
final class RemoveNodeCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Hosts of the inventory to remove.")
    List<String> names;

    @Option(names = "--force", description = "Delete pods that no controller would recreate, and pods whose eviction"
            + " fails for another reason than a PodDisruptionBudget.")
    boolean force;

    @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION",
            description = "How long a drain may take (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--unreachable", description = "The hosts are down or gone: do not connect to them; delete their"
            + " Nodes without a drain (the cluster deletes their pods) and remove their etcd members; they are not cleaned"
            + " (if one comes back, `installer reset --host NAME` undoes the install there).")
    boolean unreachable;

    @Option(names = "--api-through-ssh", description = "Reach the cluster's API through an SSH tunnel to a control plane.")
    boolean apiThroughSsh;

    @Override
    public Integer call() {
        Duration t = Durations.parse(timeout).orElseThrow(() -> new BadInputException("--timeout",
                "not a duration: " + timeout + " (e.g. 90s, 5m, 1h)"));
        options.runner().run(Actions.removeNode(InstallRun.forThisInstaller(true, apiThroughSsh), names, force, t, unreachable));
        return 0;
    }
}
