package io.kubeferry.install;

import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

import java.util.TreeSet;

/** What the user needs next: the nodes and their roles, where admin.conf is and the kubectl command that uses it. */
public final class SummaryPhase implements ReadOnlyPhase {
    @Override
    public String name() {
        return "summary";
    }

    @Override
    public String title() {
        return "Summary";
    }

    @Override
    public void run(RunContext ctx) {
        if (ctx.options().dryRun()) {
            return;
        }
        Inventory inv = ctx.inventory();
        ctx.console().info(ctx.changeCount() == 0 ? "Nothing changed: every host and the cluster were already as the"
                + " inventory describes." : ctx.changeCount() + " changes made (listed with -v and in the log).");
        ctx.console().info("Cluster " + inv.cluster().name() + " (Kubernetes " + inv.cluster().kubernetesVersion()
                + ") is up: " + inv.nodes().size() + " nodes, endpoint " + inv.controlPlaneUrl());
        for (Host h : inv.nodes()) {
            ctx.console().info(String.format("    %-20s %-16s %s", h.name(), h.internalAddress(),
                    String.join(",", new TreeSet<>(h.roles().stream().map(io.kubeferry.inventory.Role::yamlName).toList()))));
        }
        String admin = ClusterApi.kubeconfig(inv, "admin.conf").toAbsolutePath().toString();
        ctx.console().info("admin kubeconfig: " + admin + " (keep it secret: it is cluster-admin)");
        if (inv.cluster().controlPlaneEndpoint().mode() == ControlPlaneEndpoint.Mode.LOCAL_PROXY) {
            // the endpoint's name resolves only on the nodes; every control plane's address is in the serving certificate
            ctx.console().info("use it:  kubectl --kubeconfig " + admin + " --server " + ClusterApi.direct(inv, inv.controlPlanes().get(0))
                    + " get nodes   (the endpoint " + inv.cluster().controlPlaneEndpoint().host()
                    + " resolves only on the nodes; or map it in /etc/hosts to a control plane's address)");
        } else {
            ctx.console().info("use it:  kubectl --kubeconfig " + admin + " get nodes");
        }
    }
}
