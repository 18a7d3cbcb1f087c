package io.kubeferry.install;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Before anything changes: the version the cluster runs (kubeadm's ClusterConfiguration in the kubeadm-config
 * ConfigMap, which the install writes and the upgrade rewrites after the control planes; the API server's own
 * /version when there is none) against the bundle's, one minor at a time (exit 2 with the reason otherwise); every
 * node's kubelet within the skew the new control plane allows. The same version again is a resumed or repeated
 * upgrade: it rolls only what is not at that version yet.
 */
public final class UpgradeCheckPhase implements ReadOnlyPhase {
    private final UpgradeRun run;

    public UpgradeCheckPhase(UpgradeRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "upgrade-check";
    }

    @Override
    public String title() {
        return "Check the cluster's version against the bundle's";
    }

    @Override
    public boolean usesSsh() {
        return true;
    }

    @Override
    public void run(RunContext ctx) {
        Inventory inv = ctx.inventory();
        KubernetesVersion to = run.targetVersion();
        if (!Files.isRegularFile(ClusterApi.kubeconfig(inv, "admin.conf"))) {
            throw new BadInputException(ClusterApi.kubeconfig(inv, "admin.conf").toString(), "no admin.conf: this"
                    + " inventory's cluster was not installed from here; install it with apply (./install) first");
        }
        KubernetesVersion from;
        List<String> refusals = new ArrayList<>();
        try (KubeApi api = run.install().api().open(ctx, "admin.conf")) {
            from = clusterVersion(api);
            for (Node n : api.nodes()) {
                String kubelet = n.getStatus() == null || n.getStatus().getNodeInfo() == null ? null
                        : n.getStatus().getNodeInfo().getKubeletVersion();
                UpgradeVersions.fromGitVersion(kubelet).flatMap(v -> UpgradeVersions.kubeletRefusal(n.getMetadata().getName(), v, to))
                        .ifPresent(refusals::add);
            }
        }
        // a resumed upgrade: kubeadm-config may say the new version already (the addons go before the workers)
        Optional<UpgradeRun.Attempt> resumed = UpgradeRun.readAttempt(inv).filter(a -> a.to().equals(to) && !a.from().equals(to));
        if (resumed.isPresent()) {
            from = resumed.get().from();
            ctx.console().info("    resuming the upgrade from " + from + " to " + to + " (" + inv.stateDir().resolve(UpgradeRun.ATTEMPT) + ")");
        }
        UpgradeVersions.refusal(from, to).ifPresent(r -> refusals.add(0, r));
        if (!refusals.isEmpty()) {
            throw new BadInputException(run.install().bundle().dir().resolve("bundle.yaml").toString(), String.join("; ", refusals));
        }
        run.setFrom(from);
        Optional<KubernetesVersion> written = run.writtenVersion();
        if (written.isPresent() && !written.get().equals(to)) {
            ctx.console().warn(inv.source() + ": cluster.kubernetesVersion is " + written.get() + "; this upgrade goes to the"
                    + " bundle's " + to + ": set cluster.kubernetesVersion: " + to + " there (apply from this bundle needs it)");
        }
        List<Host> workers = inv.nodes().stream().filter(h -> !h.isControlPlane()).toList();
        ctx.console().info("    Kubernetes " + from + " -> " + to + (from.equals(to) ? " (the same version: only what is not"
                + " at it yet is rolled)" : "") + ": control planes " + names(inv.controlPlanes()) + " one at a time, then"
                + " the addons, then " + workers.size() + " workers " + Math.min(run.workersAtOnce(), Math.max(1, workers.size()))
                + " at a time (cordoned, drained, uncordoned)");
        if (inv.etcdMode() == EtcdSettings.Mode.EXTERNAL) {
            ctx.console().warn("etcd is external: its owner backs it up before this upgrade (no snapshot is taken here)");
        }
    }

    /** kubeadm-config's kubernetesVersion; the API server's /version when the ConfigMap is not there. */
    private static KubernetesVersion clusterVersion(KubeApi api) {
        Optional<GenericKubernetesResource> cm = api.get("v1", "ConfigMap", "kube-system", "kubeadm-config");
        if (cm.isPresent() && cm.get().getAdditionalProperties().get("data") instanceof Map<?, ?> data
                && data.get("ClusterConfiguration") instanceof String yaml) {
            Optional<KubernetesVersion> v = UpgradeVersions.fromClusterConfiguration(yaml);
            if (v.isPresent()) {
                return v.get();
            }
        }
        String git = api.gitVersion();
        return UpgradeVersions.fromGitVersion(git).orElseThrow(() -> new UnexpectedStateException("the API server at "
                + api.url() + " reports version '" + git + "', not a Kubernetes release, and kube-system/kubeadm-config"
                + " names none"));
    }

    private static String names(List<Host> hosts) {
        return String.join(", ", hosts.stream().map(Host::name).toList());
    }
}
