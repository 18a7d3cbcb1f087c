package io.kubeferry.install;

import io.kubeferry.component.Addon;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.AdminRbac;

import java.util.List;

/**
 * Finishes the cluster through its API, as kubeadm's init does after the control plane is up: first the
 * {@code kubeadm:cluster-admins} binding with super-admin.conf (admin.conf has no rights before it), then with
 * admin.conf every addon of the plan in order (RBAC, kubeadm-config, kubelet-config, cluster-info, kube-proxy,
 * CoreDNS, the CNI), server-side applied with field manager {@value KubeApi#FIELD_MANAGER}.
 */
public final class FinishClusterPhase implements Phase {
    private final InstallRun run;

    public FinishClusterPhase(InstallRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "finish-cluster";
    }

    @Override
    public String title() {
        return "RBAC, cluster configuration and addons through the API";
    }

    @Override
    public void run(RunContext ctx) {
        try (KubeApi superAdmin = run.api().open(ctx, "super-admin.conf")) {
            report(ctx, superAdmin.apply("kubeadm:cluster-admins", AdminRbac.CLUSTER_ROLE_BINDING_YAML));
        }
        try (KubeApi admin = run.api().open(ctx, "admin.conf")) {
            for (Addon addon : run.plan().rendered().addons()) {
                report(ctx, admin.apply(addon.name(), addon.yaml()));
            }
        }
    }

    @Override
    public void dryRun(RunContext ctx) {
        if (!run.hasPlan()) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), "apply the kubeadm:cluster-admins binding and every addon");
            return;
        }
        ctx.plan().change(DryRunPlan.CLUSTER, title(), "apply (server-side, unchanged objects stay as they are):"
                + " kubeadm:cluster-admins, " + String.join(", ", run.plan().rendered().addons().stream().map(Addon::name).toList()));
    }

    private static void report(RunContext ctx, List<KubeApi.Applied> applied) {
        applied.stream().filter(KubeApi.Applied::changed).forEach(a -> ctx.changed(io.kubeferry.phase.DryRunPlan.CLUSTER, a.toString()));
    }
}
