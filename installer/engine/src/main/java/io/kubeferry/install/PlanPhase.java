package io.kubeferry.install;

import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiLayout;
import io.kubeferry.pki.CaKind;

import java.nio.file.Files;

/**
 * Makes (or brings up to date) the PKI in the state directory and the cluster plan from the inventory and the
 * gathered facts: every file every host gets and the API objects. Local; the later phases only carry it out.
 */
public final class PlanPhase implements Phase {
    private final InstallRun run;

    public PlanPhase(InstallRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "plan";
    }

    @Override
    public String title() {
        return "Certificates and the cluster plan";
    }

    @Override
    public boolean preparesLaterPhases() {
        return true;
    }

    @Override
    public void run(RunContext ctx) {
        var report = run.planner().certificates(ctx.inventory(), ctx.stateLock());
        if (!report.changedFiles().isEmpty()) {
            ctx.changed(DryRunPlan.CLUSTER, "wrote " + report.changedFiles().size() + " PKI files in " + PkiLayout.of(ctx.inventory()).root());
        }
        run.setPlan(run.planner().plan(ctx.inventory(), ctx.allFacts()));
    }

    @Override
    public void dryRun(RunContext ctx) {
        if (!Files.isRegularFile(PkiLayout.of(ctx.inventory()).caCert(CaKind.KUBERNETES))) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), "generate every CA, certificate and kubeconfig in "
                    + PkiLayout.of(ctx.inventory()).root() + " (no PKI there yet; the host files below are then all new)");
            return;
        }
        try {
            run.setPlan(run.planner().plan(ctx.inventory(), ctx.allFacts()));
        } catch (io.kubeferry.errors.BadInputException missing) {
            // hosts new to the PKI (add-node, a host added to the inventory): their certificates are made by the run
            ctx.plan().change(DryRunPlan.CLUSTER, title(), "generate the " + missing.problems().size() + " certificates"
                    + " and kubeconfigs the PKI in " + PkiLayout.of(ctx.inventory()).root() + " lacks (hosts new to it);"
                    + " the host files below are then listed per component, not per file");
        }
    }
}
