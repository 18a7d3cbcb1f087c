package io.kubeferry.cli;

import io.kubeferry.action.Actions;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.install.ClusterApi;
import io.kubeferry.install.InstallRun;
import io.kubeferry.install.UpgradeRun;
import io.kubeferry.inventory.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = {"Upgrade the cluster to the Kubernetes version of a new bundle (--bundle DIR, unpacked; default:"
                + " the bundle this installer runs from), one minor version at a time as kubeadm: the cluster's version"
                + " checked (exit 2 otherwise, with the reason), preflight against the new bundle, a snapshot of etcd"
                + " saved in the state directory, the certificates renewed, the new files and images put on every host,"
                + " then the control planes one at a time (their previous files kept on the host, new static pods"
                + " waited for until they run the new images and the API server is ready at the new version), the"
                + " addons, then the workers one at a time (or --concurrency N): cordoned, drained, new kubelet,"
                + " Ready at the new version, uncordoned.",
                "A failure stops the upgrade at that host, the hosts after it untouched; running it again goes on from"
                        + " there. --rollback returns every host holding an upgrade backup to its previous files."
                        + " The inventory may still name the cluster's version: the bundle's is taken (set it after)."})
final class UpgradeCommand implements Callable<Integer> {
    @Mixin
    RunOptionsMixin options;

    @Spec
    CommandSpec spec;

    @Option(names = "--bundle", paramLabel = "DIR", description = "The new bundle, unpacked (default: this installer's).")
    Path bundle;

    @Option(names = "--rollback", description = "Return the hosts the upgrade changed to their files from before it.")
    boolean rollback;

    @Option(names = "--restore-etcd", description = "With --rollback: put etcd back to the snapshot the upgrade saved"
            + " before it changed anything (every API server and etcd member stopped meanwhile; everything written since"
            + " the snapshot is lost).")
    boolean restoreEtcd;

    @Option(names = "--force", description = "Drain also pods that no controller would recreate.")
    boolean force;

    @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION",
            description = "How long one node's drain may take (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--no-fix", description = "Only report what preflight would fix; change nothing of it.")
    boolean noFix;

    @Option(names = "--api-through-ssh", description = "Reach the cluster's API through an SSH tunnel to a control plane.")
    boolean apiThroughSsh;

    @Override
    public Integer call() {
        if (rollback) {
            if (bundle != null) {
                throw new BadInputException("--rollback", "a rollback restores what the hosts kept; it takes no --bundle");
            }
            options.runner().run(Actions.upgradeRollback(new ClusterApi(apiThroughSsh), restoreEtcd));
            return 0;
        }
        if (restoreEtcd) {
            throw new BadInputException("--restore-etcd", "only with --rollback: the upgrade itself keeps etcd's data");
        }
        Duration t = Durations.parse(timeout).orElseThrow(() -> new BadInputException("--timeout",
                "not a duration: " + timeout + " (e.g. 90s, 5m, 1h)"));
        // workers one at a time unless --concurrency is given (its default is for the install's parallel steps)
        int workersAtOnce = spec.commandLine().getParseResult().hasMatchedOption("--concurrency") ? options.concurrency : 1;
        InstallRun install = InstallRun.forBundle(BundleOption.resolve(bundle), !noFix, apiThroughSsh);
        options.runner().run(Actions.upgrade(new UpgradeRun(install, workersAtOnce, force, t)));
        return 0;
    }
}
