package io.kubeferry.install;

import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Before the upgrade changes anything: a snapshot of etcd ({@code etcdctl snapshot save}'s call, through the first
 * healthy member's SSH forward) saved on the installer's machine in the state directory, {@code backups/etcd-before-
 * <version>.db}, 0600 (it holds every Secret). Taken once per target version: a resumed upgrade keeps the first one,
 * from before any control plane moved. Not for an external etcd (its owner backs it up).
 */
public final class EtcdSnapshotPhase implements Phase {
    private final UpgradeRun run;

    public EtcdSnapshotPhase(UpgradeRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "etcd-snapshot";
    }

    @Override
    public String title() {
        return "Save a snapshot of etcd on this machine";
    }

    @Override
    public boolean usesSsh() {
        return true;
    }

    @Override
    public boolean shouldRun(RunContext ctx) {
        return ctx.inventory().etcdMode() != EtcdSettings.Mode.EXTERNAL;
    }

    @Override
    public void run(RunContext ctx) {
        Inventory inv = ctx.inventory();
        Path file = UpgradeRun.snapshotFile(inv, run.targetVersion());
        if (Files.isRegularFile(file)) {
            ctx.console().detail("    " + file + ": taken by an earlier run of this upgrade, kept");
            return;
        }
        Path dir = ctx.stateLock().directory().directory(UpgradeRun.SNAPSHOT_DIR);
        Path partial = dir.resolve("." + file.getFileName() + ".partial");
        List<String> tried = new ArrayList<>();
        for (Host member : inv.etcdMembers()) {
            EtcdMembers etcd = EtcdMembers.through(inv, member, ctx.connection(member));
            if (!etcd.healthy()) {
                tried.add(member.name() + " (not healthy)");
                continue;
            }
            long start = System.nanoTime();
            long size;
            try {
                Files.deleteIfExists(partial);
                Files.createFile(partial, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                size = etcd.snapshot(partial);
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (EtcdMembers.EtcdError e) {
                tried.add(member.name() + " (" + e.getMessage() + ")");
                continue;
            } catch (IOException e) {
                throw LocalIoFailure.of(file, "writing", e);
            } finally {
                try {
                    Files.deleteIfExists(partial); // a cut snapshot holds Secrets too
                } catch (IOException ignored) {
                    // the next run replaces it
                }
            }
            ctx.changed(DryRunPlan.CLUSTER, String.format(java.util.Locale.ROOT, "saved etcd's snapshot from %s: %s"
                    + " (%.1f MB in %.1f s)", member.name(), file, size / 1e6, (System.nanoTime() - start) / 1e9));
            ctx.console().info("    etcd snapshot: " + file + " (restore with etcdutl snapshot restore, see the README)");
            return;
        }
        throw new UnexpectedStateException("no etcd member gave a snapshot: " + String.join("; ", tried)
                + "; nothing was changed: bring etcd back to health, then run the upgrade again");
    }

    @Override
    public void dryRun(RunContext ctx) {
        Path file = UpgradeRun.snapshotFile(ctx.inventory(), run.targetVersion());
        if (!Files.isRegularFile(file)) {
            ctx.plan().change(DryRunPlan.CLUSTER, title(), "save a snapshot of etcd to " + file);
        }
    }
}
