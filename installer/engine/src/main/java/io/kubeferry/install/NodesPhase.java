package io.kubeferry.install;

import io.fabric8.kubernetes.api.model.Node;
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
                String waitLine = String.format(java.util.Locale.ROOT, "    %-20s waiting for the Node to be Ready", h.name());
                Node node;
                try (var wait = ctx.console().waiting("node " + h.name(), waitLine)) {
                    node = api.waitForNodeReady(h.name(), NODE_READY_TIMEOUT, line -> {
                        ctx.console().status("node " + h.name(), waitLine + ": " + line, false);
                        ctx.console().detail("    " + h.name() + ": " + line);
                    });
                }
                NodeMetadata m = meta.get(h.name());
                Map<String, String> labels = m == null ? Map.of() : m.labels();
                Map<String, String> annotations = m == null ? Map.of() : m.annotations();
                // judged on the marks themselves: the kubelet's heartbeats change the Node's resourceVersion anyway
                if (!hasMarks(node, labels, annotations, taints(h))) {
                    api.markNode(h.name(), labels, annotations, taints(h));
                    ctx.changed(DryRunPlan.CLUSTER, "marked node " + h.name() + " (labels, annotations, taints)");
                }
            }
        }
    }

    /** Each Node's marks compared with the cluster's when it can be read; otherwise every node would be marked. */
    @Override
    public void dryRun(RunContext ctx) {
        String all = "label, annotate and taint the nodes where they are not yet (control-plane labels and taint,"
                + " inventory taints)";
        if (!run.hasPlan() || !java.nio.file.Files.isRegularFile(ClusterApi.kubeconfig(ctx.inventory(), "admin.conf"))) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), all);
            return;
        }
        Map<String, NodeMetadata> meta = run.plan().rendered().nodeMetadata();
        Map<String, Node> existing = new java.util.HashMap<>();
        try (KubeApi api = run.api().open(ctx, "admin.conf")) {
            api.nodes().forEach(n -> existing.put(n.getMetadata().getName(), n));
        } catch (io.kubeferry.errors.KubeferryException e) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), all + " (the cluster's nodes cannot be read to compare: "
                    + e.getMessage().lines().findFirst().orElse("") + ")");
            return;
        }
        for (Host h : ctx.inventory().nodes()) {
            NodeMetadata m = meta.get(h.name());
            Node node = existing.get(h.name());
            if (node == null) {
                ctx.plan().change(DryRunPlan.CLUSTER, title(), "wait for node " + h.name() + " to register, then mark it");
            } else if (!hasMarks(node, m == null ? Map.of() : m.labels(), m == null ? Map.of() : m.annotations(), taints(h))) {
                ctx.plan().change(DryRunPlan.CLUSTER, title(), "mark node " + h.name() + " (labels, annotations, taints)");
            }
        }
    }

    /** True when the Node already has every label and annotation with its value and every taint (key and effect). */
    static boolean hasMarks(io.fabric8.kubernetes.api.model.Node node, Map<String, String> labels,
                            Map<String, String> annotations, List<Taint> taints) {
        Map<String, String> haveLabels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        Map<String, String> haveAnnotations = node.getMetadata().getAnnotations() == null ? Map.of() : node.getMetadata().getAnnotations();
        List<io.fabric8.kubernetes.api.model.Taint> haveTaints = node.getSpec() == null || node.getSpec().getTaints() == null
                ? List.of() : node.getSpec().getTaints();
        return labels.entrySet().stream().allMatch(e -> e.getValue().equals(haveLabels.get(e.getKey())))
                && annotations.entrySet().stream().allMatch(e -> e.getValue().equals(haveAnnotations.get(e.getKey())))
                && taints.stream().allMatch(t -> haveTaints.stream().anyMatch(x -> t.key().equals(x.getKey())
                && t.effect().equals(x.getEffect())));
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
