package io.kubeferry.install;

import io.kubeferry.component.Addon;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.AdminRbac;

import java.nio.file.Files;
import java.util.ArrayList;
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

    /**
     * Every object compared with the cluster's (as {@code kubectl diff}): what would be created or changed, field by
     * field. Read with super-admin.conf: before the first apply admin.conf has no rights to read with. Without a
     * cluster to compare with (no kubeconfig yet, the API not answering), every object would be applied.
     */
    @Override
    public void dryRun(RunContext ctx) {
        if (!run.hasPlan()) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), "apply the kubeadm:cluster-admins binding and every addon");
            return;
        }
        List<Addon> addons = run.plan().rendered().addons();
        String all = "kubeadm:cluster-admins, " + String.join(", ", addons.stream().map(Addon::name).toList());
        if (!Files.isRegularFile(ClusterApi.kubeconfig(ctx.inventory(), "super-admin.conf"))) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), "apply (no cluster yet): " + all);
            return;
        }
        List<KubeApi.Preview> previews = new ArrayList<>();
        try (KubeApi api = run.api().open(ctx, "super-admin.conf")) {
            previews.addAll(api.preview("kubeadm:cluster-admins", AdminRbac.CLUSTER_ROLE_BINDING_YAML));
            for (Addon addon : addons) {
                previews.addAll(api.preview(addon.name(), addon.yaml()));
            }
        } catch (KubeferryException e) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), "apply (the cluster's API cannot be read to compare: "
                    + e.getMessage().lines().findFirst().orElse("") + "): " + all);
            return;
        }
        previews.stream().filter(KubeApi.Preview::changes)
                .forEach(p -> ctx.plan().change(DryRunPlan.CLUSTER, title(), p.toString()));
        long unchanged = previews.stream().filter(p -> !p.changes()).count();
        ctx.console().detail("    " + unchanged + " of " + previews.size() + " API objects as the plan has them");
    }

    private static void report(RunContext ctx, List<KubeApi.Applied> applied) {
        applied.stream().filter(KubeApi.Applied::changed).forEach(a -> ctx.changed(io.kubeferry.phase.DryRunPlan.CLUSTER, a.toString()));
    }
}
