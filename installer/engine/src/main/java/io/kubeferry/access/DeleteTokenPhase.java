package io.kubeferry.access;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.install.ClusterApi;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.kube.tokens.BootstrapTokens;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.RunContext;

import java.util.ArrayList;
import java.util.List;

/** {@code installer token delete ID}: the token's Secret and its cluster-info signature. A token that is not there: said, exit 0. */
public final class DeleteTokenPhase extends ClusterAccessPhase {
    private final String id;

    public DeleteTokenPhase(ClusterApi api, String id) {
        super(api);
        this.id = id;
    }

    @Override
    public String name() {
        return "delete-token";
    }

    @Override
    public String title() {
        return "Delete bootstrap token " + id;
    }

    @Override
    public void validate(Inventory inventory) {
        List<Problem> problems = new ArrayList<>();
        BootstrapTokens.checkId(id, "ID").ifPresent(problems::add);
        addAdminConfCheck(inventory, problems);
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
    }

    @Override
    public void run(RunContext ctx) {
        List<String> removed;
        try (KubeApi api = open(ctx)) {
            removed = BootstrapTokens.delete(api, id);
        }
        if (removed.isEmpty()) {
            ctx.console().info("No bootstrap token " + id + " in the cluster: nothing to delete.");
        }
        removed.forEach(r -> ctx.changed(DryRunPlan.CLUSTER, "deleted " + r));
        if (!removed.isEmpty()) {
            ctx.console().info("Deleted bootstrap token " + id + " (" + String.join("; ", removed) + ").");
        }
    }

    @Override
    public void dryRun(RunContext ctx) {
        List<String> present;
        try (KubeApi api = open(ctx)) {
            present = BootstrapTokens.present(api, id);
        }
        if (present.isEmpty()) {
            ctx.console().info("No bootstrap token " + id + " in the cluster: nothing to delete.");
        }
        present.forEach(p -> ctx.plan().change(DryRunPlan.CLUSTER, name(), "delete " + p));
    }
}
