package io.kubeferry.cli;

import io.kubeferry.access.IssueUserKubeconfigPhase;
import io.kubeferry.action.Actions;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.Durations;
import io.kubeferry.pki.UserKubeconfigs;
import io.kubeferry.pki.UserKubeconfigs.Binding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "kubeconfig", mixinStandardHelpOptions = true, description = "Kubeconfigs for people, and their access.",
        subcommands = {KubeconfigCommand.User.class, KubeconfigCommand.Revoke.class})
final class KubeconfigCommand implements Runnable {
    /** Short by default: a client certificate cannot be revoked, so its validity bounds a leaked kubeconfig's life. */
    static final String DEFAULT_VALIDITY = "168h";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "user", mixinStandardHelpOptions = true,
            description = {"Write a kubeconfig with a client certificate for a user (signed by the cluster CA, pointing at"
                    + " the control-plane endpoint) and grant it roles: with --cluster-role or --role, the"
                    + " ClusterRoleBinding (or RoleBinding with --namespace) is server-side applied through the API first,"
                    + " labelled so that 'kubeconfig revoke' finds it. Idempotent for the bindings; each run issues a new certificate.",
                    "A client certificate cannot be revoked: it stays valid until it expires (default " + DEFAULT_VALIDITY + ")."})
    static final class User implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RunOptionsMixin options;
        @Mixin
        ApiOption api;
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "User name (the certificate's CN).")
        String positionalName;
        @Option(names = "--name", description = "User name, as NAME (kept for scripts written for earlier versions).")
        String optionName;
        @Option(names = "--group", description = "Group (the certificate's O); repeatable.")
        List<String> groups = List.of();
        @Option(names = "--namespace", description = "Default namespace of the context, and of the RoleBindings.")
        String namespace;
        @Option(names = {"--cluster-role", "--clusterrole"}, paramLabel = "NAME",
                description = "ClusterRole to bind the user to (view, edit, admin...): a ClusterRoleBinding, or a RoleBinding"
                        + " in --namespace; repeatable.")
        List<String> clusterRoles = List.of();
        @Option(names = "--role", paramLabel = "NAME", description = "Role of --namespace to bind the user to (a RoleBinding); repeatable.")
        List<String> roles = List.of();
        @Option(names = "--no-apply", description = "Apply no binding: write them to FILE.rbac.yaml next to the kubeconfig instead"
                + " (for a cluster whose API this machine cannot reach).")
        boolean noApply;
        @Option(names = "--valid", defaultValue = DEFAULT_VALIDITY, description = "Validity of the client certificate (default ${DEFAULT-VALUE}).")
        String valid;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Kubeconfig to write (0600), or - for stdout.")
        Path output;

        @Override
        public Integer call() {
            List<Problem> problems = new ArrayList<>();
            String name = positionalName != null ? positionalName : optionName;
            if (name == null || positionalName != null && optionName != null) {
                problems.add(Problem.error("NAME", "give the user's name once: as NAME or as --name"));
            }
            Duration validity = Durations.parse(valid).filter(d -> !d.isZero() && !d.isNegative()).orElse(null);
            if (validity == null) {
                problems.add(Problem.error("--valid", "'" + valid + "' is not a duration; write it like 168h or 7d"));
            }
            if (!roles.isEmpty() && namespace == null) {
                problems.add(Problem.error("--role", "a Role lives in a namespace: give --namespace"));
            }
            boolean toStdout = output.toString().equals("-");
            List<Binding> bindings = new ArrayList<>();
            clusterRoles.forEach(r -> bindings.add(new Binding(namespace, true, r)));
            roles.forEach(r -> bindings.add(new Binding(namespace, false, r)));
            if (toStdout && noApply && !bindings.isEmpty()) {
                problems.add(Problem.error("--output -", "with --no-apply the bindings are written next to the kubeconfig:"
                        + " give a file name"));
            }
            if (!problems.isEmpty()) {
                throw new BadInputException(problems);
            }
            IssueUserKubeconfigPhase issue = new IssueUserKubeconfigPhase(new UserKubeconfigs(), new IssueUserKubeconfigPhase.Request(
                    name, groups, validity, namespace, toStdout ? null : output, noApply ? bindings : List.of()));
            // `-o -`: stdout carries the kubeconfig alone, for a pipe; the run's lines go to stderr
            options.runner(toStdout ? System.err : System.out)
                    .run(Actions.kubeconfigUser(api.clusterApi(), name, noApply ? List.of() : bindings, issue));
            UserKubeconfigs.UserKubeconfig kc = issue.issued();
            if (kc == null) {
                return 0; // a dry run
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (toStdout) {
                out.print(new String(kc.content(), StandardCharsets.UTF_8));
                out.flush();
                err.println("kubeconfig for user " + kc.userName() + " written to stdout (expires " + kc.notAfter() + ")");
                err.flush();
                return 0;
            }
            out.println("wrote " + output + " (user " + kc.userName() + ", context " + kc.contextName() + ", expires "
                    + kc.notAfter() + ")");
            if (kc.note() != null) {
                out.println("note: " + kc.note());
            }
            if (noApply && !bindings.isEmpty()) {
                out.println("wrote " + issue.bindingFile() + "; apply it with: kubectl --kubeconfig admin.conf apply -f "
                        + issue.bindingFile());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Remove the RoleBindings and ClusterRoleBindings 'kubeconfig user' made for a user (found by their"
                    + " labels). A second run finds nothing and says so.",
                    "The user's client certificates cannot be revoked: they stay valid until they expire (printed), granting"
                            + " what other bindings give the user or its groups."})
    static final class Revoke implements Callable<Integer> {
        @Mixin
        RunOptionsMixin options;
        @Mixin
        ApiOption api;
        @Parameters(index = "0", paramLabel = "NAME", description = "The user's name.")
        String name;

        @Override
        public Integer call() {
            options.runner().run(Actions.kubeconfigRevoke(api.clusterApi(), name));
            return 0;
        }
    }
}
