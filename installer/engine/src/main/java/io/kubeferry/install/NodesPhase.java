package io.kubeferry.install;

import io.kubeferry.component.NodeMetadata;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Role;
import io.kubeferry.inventory.Taint;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Waits for every node to be registered and Ready, then marks it as kubeadm does: the control-plane labels and
 * taint (mark-control-plane), kubeadm's annotations (the 1.32/1.33 cri-socket) and the inventory's taints. Marks
 * that are there already are left alone, so a second run writes nothing.
 */
public final class NodesPhase implements Phase {
    public static final String CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane";
    static final Duration NODE_READY_TIMEOUT = Duration.ofMinutes(5);
    private final InstallRun run;

    public NodesPhase(InstallRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "nodes";
    }

    @Override
    public String title() {
        return "Wait for every node and mark it";
    }

    @Override
    public void run(RunContext ctx) {
        Map<String, NodeMetadata> meta = run.plan().rendered().nodeMetadata();
        try (KubeApi api = run.api().open(ctx, "admin.conf")) {
            for (Host h : ctx.inventory().nodes()) {
                var before = api.waitForNodeReady(h.name(), NODE_READY_TIMEOUT, line -> ctx.console().detail("    " + h.name() + ": " + line));
                NodeMetadata m = meta.get(h.name());
                var after = api.markNode(h.name(), m == null ? Map.of() : m.labels(), m == null ? Map.of() : m.annotations(), taints(h));
                if (!after.getMetadata().getResourceVersion().equals(before.getMetadata().getResourceVersion())) {
                    ctx.changed(DryRunPlan.CLUSTER, "marked node " + h.name() + " (labels, annotations, taints)");
                }
            }
        }
    }

    @Override
    public void dryRun(RunContext ctx) {
        ctx.plan().change(DryRunPlan.CLUSTER, title(), "label, annotate and taint the nodes where they are not yet"
                + " (control-plane labels and taint, inventory taints)");
    }

    static List<Taint> taints(Host h) {
        List<Taint> out = new ArrayList<>();
        if (h.isControlPlane() && !h.has(Role.WORKER)) {
            out.add(new Taint(CONTROL_PLANE_TAINT, null, "NoSchedule"));
        }
        out.addAll(h.taints());
        return out;
    }
}
