package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import io.kubeferry.install.InstallRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Install the cluster the inventory describes from this bundle, or bring it up to date:"
                + " bundle and inventory checked, hosts checked and fixed, certificates and files made, binaries,"
                + " images and files distributed, containerd, the control plane, the cluster finished through its API,"
                + " the workers joined. Idempotent: a second run changes nothing; a failed run is finished by running"
                + " it again. `./install -i inventory.yaml` runs this.",
                "Phases (each also `installer phase NAME`): verify-bundle, connect, gather-facts, check-external-etcd,"
                        + " preflight, plan, distribute, container-runtime, etcd-join, etcd, wait-etcd, control-plane,"
                        + " wait-control-plane, finish-cluster, workers,"
                        + " nodes, summary."})
final class ApplyCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Option(names = "--no-fix", description = "Only report what preflight would fix (swap, SELinux); change nothing"
            + " of it. Hosts that need a fix then fail their checks.")
    boolean noFix;

    @Option(names = "--api-through-ssh", description = "Reach the cluster's API through an SSH tunnel to a control"
            + " plane even when it answers directly (without this option the tunnel is used only when it does not).")
    boolean apiThroughSsh;

    @Option(names = "--skip-phases", split = ",", paramLabel = "NAME[,NAME...]",
            description = "Leave these phases out (for a cluster where they were done by other means).")
    List<String> skipPhases = List.of();

    @Override
    public Integer call() {
        Actions.checkPhaseNames(skipPhases, "--skip-phases");
        options.runner().run(Actions.apply(InstallRun.forThisInstaller(!noFix, apiThroughSsh), new LinkedHashSet<>(skipPhases)));
        return 0;
    }
}
