package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code installer upgrade --rollback}: every host holding an upgrade backup ({@link UpgradeBackup}) gets its previous
 * files back, one host at a time, workers first (a kubelet must never be newer than its API server), then the control
 * planes: the saved manifests, kubelet config and binaries restored, what the upgrade added removed, the kubelet (and a
 * host-service etcd) restarted, then waited for as in the upgrade (kubelet /healthz, the API server's /readyz and
 * version on that host, the Node Ready). The etcd data stays unless asked for: putting back the snapshot from before the
 * upgrade loses every write since. A host without a
 * backup (never upgraded, or rolled back already) is left as it is. With {@code --restore-etcd} the whole etcd is then
 * put back to that snapshot as well ({@link EtcdRestore}).
 */
public final class UpgradeRollbackPhase implements Phase {
    private final ClusterApi api;
    private final boolean restoreEtcd;

    /** @param restoreEtcd then put etcd back to the upgrade's snapshot too ({@link EtcdRestore}) */
    public UpgradeRollbackPhase(ClusterApi api, boolean restoreEtcd) {
        this.api = api;
        this.restoreEtcd = restoreEtcd;
    }

    @Override
    public void validate(Inventory inventory) {
        if (restoreEtcd) {
            EtcdRestore.snapshot(inventory);
        }
    }

    @Override
    public String name() {
        return "upgrade-rollback";
    }

    @Override
    public String title() {
        return "Return the upgraded hosts to their files from before the upgrade";
    }

    @Override
    public boolean usesSsh() {
        return true;
    }

    private static List<Host> order(Inventory inv) {
        List<Host> out = new ArrayList<>(inv.hosts().stream().filter(h -> !h.isControlPlane()).toList());
        out.addAll(inv.controlPlanes());
        return out;
    }

    private static Optional<KubernetesVersion> backupFrom(RemoteHost remote) {
        return KubernetesVersion.parse(remote.execChecked(UpgradeBackup.fromCommand()).stdout().strip());
    }

    @Override
    public void run(RunContext ctx) {
        Inventory inv = ctx.inventory();
        int restored = 0;
        for (Host host : order(inv)) {
            RemoteHost remote = ctx.connection(host);
            Optional<KubernetesVersion> from = backupFrom(remote);
            if (from.isEmpty()) {
                continue;
            }
            String out = remote.execChecked(UpgradeBackup.restoreCommand()).stdout();
            if (!out.contains("restored")) {
                continue;
            }
            restored++;
            ctx.changed(host.name(), "restored its files from before the upgrade (Kubernetes " + from.get() + ")");
            remote.execChecked("systemctl daemon-reload; if systemctl is-enabled --quiet kubelet 2>/dev/null ||"
                    + " systemctl is-active --quiet kubelet; then systemctl restart kubelet; fi;"
                    + " if systemctl is-active --quiet etcd; then systemctl restart etcd; fi");
            boolean node = inv.nodes().contains(host);
            if (node) {
                KubeletWait.healthz(ctx, host, remote, WaitControlPlanePhase.KUBELET_SECONDS);
            }
            if (host.isControlPlane()) {
                WaitControlPlanePhase.apiServerListening(ctx, host, remote);
                try (KubeApi kube = api.openOn(ctx, host, "admin.conf")) {
                    kube.waitForReadyz(WaitControlPlanePhase.READYZ_TIMEOUT, line -> ctx.console().detail("    " + host.name() + ": " + line));
                    String git = kube.gitVersion();
                    if (UpgradeVersions.fromGitVersion(git).filter(from.get()::equals).isEmpty()) {
                        throw new HostFailureException(host.name(), "after the rollback its API server answers /version " + git
                                + ", not " + from.get().tag());
                    }
                }
            }
            if (node) {
                try (KubeApi kube = api.openOn(ctx, UpgradeRollPhase.apiHost(inv, host), "admin.conf")) {
                    UpgradeRollPhase.waitNodeAt(kube, host, from.get());
                    UpgradeRollPhase.uncordonIfDrainedByUs(ctx, kube, host);
                }
            }
            ctx.console().info("    " + host.name() + ": back at " + from.get());
        }
        if (restoreEtcd) {
            new EtcdRestore(api).run(ctx);
        }
        if (restored == 0) {
            ctx.console().info("    no host holds an upgrade backup: nothing to roll back");
        } else {
            ctx.console().info("    " + restored + " hosts rolled back; apply from the bundle of that version brings the"
                    + " addons and the inventory's version back in line (set cluster.kubernetesVersion to it)");
        }
    }

    @Override
    public void dryRun(RunContext ctx) {
        for (Host host : order(ctx.inventory())) {
            backupFrom(ctx.connection(host)).ifPresent(v -> ctx.plan().change(host.name(), title(),
                    "restore the files saved in " + UpgradeBackup.DIR + " (Kubernetes " + v + "), restart the kubelet, wait for it"));
        }
        if (restoreEtcd) {
            new EtcdRestore(api).dryRun(ctx);
        }
    }
}
