package io.kubeferry.cli;

import io.kubeferry.access.CreateTokenPhase;
import io.kubeferry.action.Actions;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Durations;
import io.kubeferry.kube.tokens.BootstrapTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Bootstrap tokens, as kubeadm makes them, for nodes that join the cluster with kubeadm or another tool.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Delete.class})
final class TokenCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a bootstrap token (the Secret kube-system/bootstrap-token-ID and its signature in"
                    + " kube-public/cluster-info) and print the kubeadm join command that uses it, with the CA certificate hash.",
                    "Not idempotent: each run makes another token (delete the ones you do not need)."})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RunOptionsMixin options;
        @Mixin
        ApiOption api;
        @Option(names = "--ttl", defaultValue = "24h", description = "How long the token is valid (0: never expires;"
                + " default ${DEFAULT-VALUE}, kubeadm's).")
        String ttl;
        @Option(names = "--description", defaultValue = "", description = "What the token is for (shown by token list).")
        String description;
        @Option(names = "--usages", split = ",", defaultValue = "signing,authentication",
                description = "signing (cluster-info discovery), authentication (the kubelet's bootstrap); default ${DEFAULT-VALUE}.")
        List<String> usages;
        @Option(names = "--groups", split = ",", description = "Extra groups the token authenticates as"
                + " (system:bootstrappers:...); default " + BootstrapTokens.DEFAULT_GROUP + ", the group the install's RBAC"
                + " lets join (none for a token without the authentication usage).")
        List<String> groups;

        @Override
        public Integer call() {
            Duration validFor = ttl.equals("0") ? Duration.ZERO : Durations.parse(ttl).filter(d -> !d.isNegative())
                    .orElseThrow(() -> new BadInputException("--ttl", "'" + ttl + "' is not a duration; write it like 24h, 2d, or 0 for never"));
            List<String> extraGroups = groups != null ? groups
                    : usages.contains(BootstrapTokens.AUTHENTICATION) ? List.of(BootstrapTokens.DEFAULT_GROUP) : List.of();
            CreateTokenPhase create = new CreateTokenPhase(api.clusterApi(), new CreateTokenPhase.Request(validFor, usages,
                    extraGroups, description), Clock.systemUTC());
            options.runner().run(Actions.tokenCreate(create));
            if (create.joinCommand() != null) {
                PrintWriter out = spec.commandLine().getOut();
                // the one place the secret is shown: the terminal, never the run's log
                out.println(create.joinCommand());
                out.println("token " + create.created().id() + (create.created().expires() == null ? " never expires"
                        : " expires " + create.created().expires()) + "; 'installer token delete " + create.created().id()
                        + "' removes it");
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the bootstrap tokens: id, TTL, expiry, usages, description, extra groups (never the secret).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        RunOptionsMixin options;
        @Mixin
        ApiOption api;

        @Override
        public Integer call() {
            options.runner().run(Actions.tokenList(api.clusterApi()));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a bootstrap token: its Secret and its signature in cluster-info. A token that is not"
                    + " there is said and is no error.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        RunOptionsMixin options;
        @Mixin
        ApiOption api;
        @Parameters(index = "0", paramLabel = "ID", description = "The token's id (its first 6 characters, as token list shows).")
        String id;

        @Override
        public Integer call() {
            options.runner().run(Actions.tokenDelete(api.clusterApi(), id));
            return 0;
        }
    }
}
