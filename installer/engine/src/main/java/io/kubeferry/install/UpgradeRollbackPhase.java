package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.EtcdSettings;
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
 * {@code installer upgrade --rollback}: the upgrade the state directory records ({@code upgrades/attempt}: in progress,
 * or the last one done) is undone on every host holding its backup ({@link UpgradeBackup}; backups of earlier upgrades
 * are left alone), one host at a time, workers first (a kubelet must never be newer than its API server), then the
 * control planes: the saved manifests, kubelet config and binaries put back, what the upgrade added removed, the
 * kubelet (and a host-service etcd) restarted, then waited for as in the upgrade (kubelet /healthz, etcd's health, the
 * API server's /readyz and version on that host, the Node Ready); only then is the host's backup moved aside, so a
 * rollback cut short goes on where it stopped. Refused before anything changes when the upgrade moved etcd to another
 * minor (3.5 to 3.6: the older etcd cannot read the data again). With {@code --restore-etcd} the whole etcd is then
 * put back to the upgrade's snapshot ({@link EtcdRestore}). Done, the upgrade's record and snapshot are moved aside
 * (dated): a second rollback has nothing to do, and the next upgrade takes a fresh snapshot.
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
            UpgradeRun.readAttempt(inventory).ifPresent(a -> EtcdRestore.check(inventory, a));
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

    /** The version this host's backup of the upgrade {@code a} was taken from; empty without one. */
    private static Optional<KubernetesVersion> backupFrom(RemoteHost remote, UpgradeRun.Attempt a) {
        String out = remote.execChecked("[ \"$(cat " + UpgradeBackup.DIR + "/to 2>/dev/null)\" = " + a.to() + " ] && "
                + UpgradeBackup.fromCommand()).stdout().strip();
        return KubernetesVersion.parse(out);
    }

    @Override
    public void run(RunContext ctx) {
        Inventory inv = ctx.inventory();
        Optional<UpgradeRun.Attempt> attempt = UpgradeRun.readAttempt(inv);
        if (attempt.isEmpty()) {
            ctx.console().info("    no upgrade recorded in " + inv.stateDir().resolve(UpgradeRun.ATTEMPT)
                    + " (none made, or rolled back already): nothing to roll back");
            return;
        }
        UpgradeRun.Attempt a = attempt.get();
        checkEtcdMinors(ctx, a);
        int restored = 0;
        for (Host host : order(inv)) {
            RemoteHost remote = ctx.connection(host);
            Optional<KubernetesVersion> from = backupFrom(remote, a);
            if (from.isEmpty() || !remote.execChecked(UpgradeBackup.restoreCommand(a.to().toString())).stdout().contains("restored")) {
                continue;
            }
            restored++;
            ctx.changed(host.name(), "restored its files from before the upgrade (Kubernetes " + from.get() + ")");
            remote.execChecked("systemctl daemon-reload"
                    + " && if systemctl is-active --quiet kubelet || systemctl is-enabled --quiet kubelet 2>/dev/null;"
                    + " then systemctl restart kubelet; fi"
                    + " && if systemctl is-active --quiet etcd; then systemctl restart etcd; fi");
            waitBack(ctx, host, remote, from.get());
            remote.execChecked(UpgradeBackup.finishCommand());
            ctx.console().info("    " + host.name() + ": back at " + from.get());
        }
        if (restoreEtcd) {
            new EtcdRestore(api).run(ctx, a);
        }
        UpgradeRun.retireAttempt(ctx, a);
        ctx.console().info("    " + (restored == 0 ? "no host held a backup of the upgrade to " + a.to() + "; "
                : restored + " hosts rolled back to " + a.from() + "; ") + "apply from the " + a.from() + " bundle brings"
                + " the addons and kubeadm-config back in line (with cluster.kubernetesVersion: " + a.from() + ")");
    }

    /** As the upgrade waits for a host, at its previous version. */
    private void waitBack(RunContext ctx, Host host, RemoteHost remote, KubernetesVersion from) {
        Inventory inv = ctx.inventory();
        boolean node = inv.nodes().contains(host);
        if (node) {
            KubeletWait.healthz(ctx, host, remote, WaitControlPlanePhase.KUBELET_SECONDS);
        }
        if (inv.etcdMode() == EtcdSettings.Mode.HOST_SERVICE && inv.etcdMembers().contains(host)) {
            UpgradeRollPhase.waitEtcdHealthy(ctx, host, remote);
        }
        if (host.isControlPlane()) {
            WaitControlPlanePhase.apiServerListening(ctx, host, remote);
            try (KubeApi kube = api.openOn(ctx, host, "admin.conf")) {
                kube.waitForReadyz(WaitControlPlanePhase.READYZ_TIMEOUT, line -> ctx.console().detail("    " + host.name() + ": " + line));
                String git = kube.gitVersion();
                if (UpgradeVersions.fromGitVersion(git).filter(from::equals).isEmpty()) {
                    throw new HostFailureException(host.name(), "after the rollback its API server answers /version " + git
                            + ", not " + from.tag());
                }
            }
        }
        if (node) {
            try (KubeApi kube = api.openOn(ctx, UpgradeRollPhase.apiHost(inv, host), "admin.conf")) {
                UpgradeRollPhase.waitNodeAt(kube, host, from);
                UpgradeRollPhase.uncordonIfDrainedByUs(ctx, kube, host);
            }
        }
    }

    /**
     * The upgrade moved etcd to another minor on a host (3.5 to 3.6): the older etcd refuses the data the newer one
     * wrote, so putting its files back would stop etcd there. Refused, before anything changes.
     */
    private static void checkEtcdMinors(RunContext ctx, UpgradeRun.Attempt a) {
        Inventory inv = ctx.inventory();
        for (Host m : inv.etcdMembers()) {
            RemoteHost remote = ctx.connection(m);
            if (backupFrom(remote, a).isEmpty()) {
                continue;
            }
            String[] minors = remote.execChecked(UpgradeBackup.etcdMinorsCommand()).stdout().strip().split("\\s+");
            if (minors.length == 2 && !minors[0].isEmpty() && !minors[0].equals(minors[1])) {
                throw new UnexpectedStateException(m.name() + ": the upgrade moved etcd from " + minors[0] + " to " + minors[1]
                        + "; etcd " + minors[0] + " cannot read the data " + minors[1] + " wrote, so its files cannot go back;"
                        + " nothing was changed. Fix what failed and run the upgrade again, or rebuild etcd from the snapshot "
                        + UpgradeRun.snapshotFile(inv, a.to()) + " with etcdutl snapshot restore (README)");
            }
        }
    }

    @Override
    public void dryRun(RunContext ctx) {
        Optional<UpgradeRun.Attempt> attempt = UpgradeRun.readAttempt(ctx.inventory());
        if (attempt.isEmpty()) {
            return;
        }
        for (Host host : order(ctx.inventory())) {
            backupFrom(ctx.connection(host), attempt.get()).ifPresent(v -> ctx.plan().change(host.name(), title(),
                    "restore the files saved in " + UpgradeBackup.DIR + " (Kubernetes " + v + "), restart the kubelet, wait for it"));
        }
        if (restoreEtcd) {
            new EtcdRestore(api).dryRun(ctx, attempt.get());
        }
    }
}
