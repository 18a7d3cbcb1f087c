package io.kubeferry.access;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.install.ClusterApi;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.UserKubeconfigs;
import io.kubeferry.pki.UserKubeconfigs.Binding;

import java.util.ArrayList;
import java.util.List;

/**
 * The RoleBindings and ClusterRoleBindings {@code kubeconfig user} grants, server-side applied with the
 * installer's field manager and labelled with the user ({@link UserKubeconfigs#bindingLabels}) so that
 * {@code kubeconfig revoke} finds them. Idempotent: an unchanged binding is left as it is.
 */
public final class BindUserPhase extends ClusterAccessPhase {
    private final String userName;
    private final List<Binding> bindings;

    public BindUserPhase(ClusterApi api, String userName, List<Binding> bindings) {
        super(api);
        this.userName = userName;
        this.bindings = List.copyOf(bindings);
    }

    @Override
    public String name() {
        return "bind-user";
    }

    @Override
    public String title() {
        return "RBAC bindings for user " + userName;
    }

    @Override
    public void validate(Inventory inventory) {
        List<Problem> problems = new ArrayList<>();
        for (Binding b : bindings) {
            String flag = b.toClusterRole() ? "--cluster-role" : "--role";
            if (b.role().isBlank() || b.role().contains("/") || b.role().contains("%") || b.role().chars().anyMatch(c -> c < 0x21)) {
                problems.add(Problem.error(flag, "'" + b.role() + "' is not a role name (no spaces, '/' or '%')"));
            }
        }
        addAdminConfCheck(inventory, problems);
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
    }

    @Override
    public void run(RunContext ctx) {
        try (KubeApi api = open(ctx)) {
            for (Binding b : bindings) {
                for (KubeApi.Applied a : api.apply(b.describe(userName), UserKubeconfigs.bindingYaml(userName, b))) {
                    if (a.changed()) {
                        ctx.changed(DryRunPlan.CLUSTER, a.toString());
                    }
                    ctx.console().info("    " + b.describe(userName) + " for user " + userName + (a.changed() ? ": applied" : ": unchanged"));
                }
            }
        }
    }

    /** Lists every binding with its YAML (what would be applied); the API is not read. */
    @Override
    public void dryRun(RunContext ctx) {
        for (Binding b : bindings) {
            ctx.plan().change(DryRunPlan.CLUSTER, name(), "apply " + b.describe(userName) + " for user " + userName);
            ctx.console().info("---");
            UserKubeconfigs.bindingYaml(userName, b).lines().forEach(ctx.console()::info);
        }
    }
}
