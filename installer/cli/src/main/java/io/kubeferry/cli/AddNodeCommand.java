package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import io.kubeferry.install.InstallRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "add-node", mixinStandardHelpOptions = true,
        description = {"Add hosts to the running cluster: list them in the inventory first, then name them here. The"
                + " whole apply runs (the inventory is the desired state: `installer apply` with the hosts listed does"
                + " the same): a worker gets its files, runtime and kubelet and registers; a control plane gets its"
                + " certificates, its etcd member added as a learner, started and promoted (one new member at a time),"
                + " its static pods, and every node's API proxy and the API servers' etcd servers are brought up to date.",
                "Exit 2 when a name is not a host of the inventory."})
final class AddNodeCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Hosts of the inventory to add.")
    List<String> names;

    @Option(names = "--api-through-ssh", description = "Reach the cluster's API through an SSH tunnel to a control plane.")
    boolean apiThroughSsh;

    @Override
    public Integer call() {
        options.runner().run(Actions.addNode(InstallRun.forThisInstaller(true, apiThroughSsh), names));
        return 0;
    }
}
