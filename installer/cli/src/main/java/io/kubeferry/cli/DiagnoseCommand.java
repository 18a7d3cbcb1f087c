package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "diagnose", mixinStandardHelpOptions = true,
        description = "Look on the nodes for why a kubelet or control plane does not come up, and say which cause"
                + " was found, with its evidence: kubelet not running (its journal), swap on, SELinux enforcing, a"
                + " cgroup driver mismatch between the kubelet and containerd, a container that exited (its logs)."
                + " Changes nothing. Exit 1 when a cause was found on some host.")
final class DiagnoseCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Option(names = "--host", paramLabel = "NAME", description = "Only this host (default: every node).")
    String host;

    @Override
    public Integer call() {
        options.runner().run(Actions.diagnose(host));
        return 0;
    }
}
