package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import io.kubeferry.errors.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.Console;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "reset", mixinStandardHelpOptions = true,
        description = {"Undo the install on the hosts (every host of the inventory, or those named with --host), from"
                + " what the install recorded on each: the kubelet stopped and the pods' containers removed, every"
                + " component's services stopped and disabled (reverse install order), CNI interfaces and KUBE-*/FLANNEL-*/CNI-*"
                + " iptables chains removed, mounts under /var/lib/kubelet unmounted, the files and directories the install"
                + " made removed and the ones it overwrote put back, the images it imported and the containerd state it"
                + " made removed, then swap, SELinux, sysctls, modules and services as they were found."
                + " A host Kubeferry never installed is left as it is (said so); a second reset changes nothing."
                + " The cluster's state directory (certificates) on this machine is kept.",
                "Asks for confirmation on a terminal; elsewhere --yes is required."})
final class ResetCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Option(names = "--host", paramLabel = "NAME", description = "Only this host (repeatable; default: every host).")
    List<String> hosts = List.of();

    @Option(names = {"-y", "--yes"}, description = "Do not ask: reset removes the cluster from these hosts.")
    boolean yes;

    @Override
    public Integer call() {
        LinkedHashSet<String> only = new LinkedHashSet<>(hosts);
        if (!yes && !options.dryRun && !confirmed(only)) {
            return 1;
        }
        options.runner().run(Actions.reset(only));
        return 0;
    }

    /** Asks on the terminal; without one the user must have said --yes. */
    private static boolean confirmed(LinkedHashSet<String> only) {
        Console console = System.console();
        if (console == null) {
            throw new BadInputException("--yes", "reset removes Kubernetes and everything the install put on "
                    + (only.isEmpty() ? "every host of the inventory" : String.join(", ", only))
                    + "; not asked (no terminal): pass --yes to go on, or --dry-run to see what it would do");
        }
        String answer = console.readLine("Reset %s: remove Kubernetes and everything the install put there? [y/N] ",
                only.isEmpty() ? "every host of the inventory" : String.join(", ", only));
        if (answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"))) {
            return true;
        }
        System.err.println("reset: not confirmed; nothing done");
        return false;
    }
}
