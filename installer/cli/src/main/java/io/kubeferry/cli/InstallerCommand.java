package io.kubeferry.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "installer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Installs Kubernetes on hosts without internet access, from a Kubeferry bundle.",
        subcommands = {ApplyCommand.class, AddNodeCommand.class, RemoveNodeCommand.class, CheckCommand.class, DiagnoseCommand.class, PhaseCommand.class, VerifyCommand.class, CertsCommand.class,
                KubeconfigCommand.class, TokenCommand.class, RenderCommand.class, ResetCommand.class, UpgradeCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:failed on one or more hosts", "2:bad input (inventory, flags, files)",
                "3:unexpected state on a host or in the cluster", "4:internal error (a bug)"})
public final class InstallerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
