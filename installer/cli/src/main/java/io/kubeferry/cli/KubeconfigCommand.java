package io.kubeferry.cli;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.files.PrivateFiles;
import io.kubeferry.inventory.Durations;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.pki.UserKubeconfigs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "kubeconfig", mixinStandardHelpOptions = true, description = "Kubeconfigs for people.",
        subcommands = {KubeconfigCommand.User.class})
final class KubeconfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "user", mixinStandardHelpOptions = true,
            description = "Write a kubeconfig with a client certificate for a user (signed by the cluster CA, pointing at"
                    + " the control-plane endpoint). With --clusterrole, also write the RoleBinding (or"
                    + " ClusterRoleBinding without --namespace) that grants it, next to the kubeconfig.")
    static final class User implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        InventoryOption inventory;
        @Option(names = "--name", required = true, description = "User name (the certificate's CN).")
        String name;
        @Option(names = "--group", description = "Group (the certificate's O); repeatable.")
        List<String> groups = List.of();
        @Option(names = "--namespace", description = "Default namespace of the context, and of the RoleBinding.")
        String namespace;
        @Option(names = "--clusterrole", description = "ClusterRole to bind the user to (e.g. view, edit, admin).")
        String clusterRole;
        @Option(names = "--valid", defaultValue = "720h", description = "Validity (default ${DEFAULT-VALUE}).")
        String valid;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Kubeconfig to write (0600), or - for stdout.")
        Path output;

        @Override
        public Integer call() {
            Inventory inv = inventory.load(spec.commandLine().getErr());
            Duration validity = Durations.parse(valid).filter(d -> !d.isZero())
                    .orElseThrow(() -> new BadInputException("--valid", "'" + valid + "' is not a duration; write it like 720h or 30d"));
            boolean toStdout = output.toString().equals("-");
            if (toStdout && clusterRole != null) {
                throw new BadInputException("--output -", "with --clusterrole the RoleBinding is written next to the"
                        + " kubeconfig: give a file name");
            }
            UserKubeconfigs.UserKubeconfig kc = new UserKubeconfigs().create(inv, name, groups, validity, namespace);
            PrintWriter out = spec.commandLine().getOut();
            if (toStdout) { // `-o -`: the kubeconfig itself on stdout, for a pipe; the note on stderr
                out.print(new String(kc.content(), java.nio.charset.StandardCharsets.UTF_8));
                out.flush();
                spec.commandLine().getErr().println("kubeconfig for user " + kc.userName() + " written to stdout (expires "
                        + kc.notAfter() + ")");
                spec.commandLine().getErr().flush();
                return 0;
            }
            write(output, kc.content());
            out.println("wrote " + output + " (user " + kc.userName() + ", context " + kc.contextName() + ", expires "
                    + kc.notAfter() + ")");
            if (kc.note() != null) {
                out.println("note: " + kc.note());
            }
            if (clusterRole != null) {
                Path binding = output.resolveSibling(output.getFileName() + ".rbac.yaml");
                write(binding, UserKubeconfigs.bindingYaml(name, namespace, clusterRole).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.println("wrote " + binding + "; apply it with: kubectl --kubeconfig admin.conf apply -f " + binding);
            }
            out.flush();
            return 0;
        }

        private static void write(Path file, byte[] content) {
            try {
                PrivateFiles.write(file, content, 0600, 0700);
            } catch (IOException e) {
                throw LocalIoFailure.of(file, "write", e);
            }
        }
    }
}
