package io.kubeferry.install;

import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What the phases of one {@code installer upgrade} share: the install run of the new bundle (its plan, binaries and
 * images), the version it goes to, the version the cluster runs (found by {@link UpgradeCheckPhase}), and how the
 * nodes are rolled.
 *
 * @param workersAtOnce workers upgraded at once (each cordoned and drained first)
 * @param force         drain also pods no controller would recreate
 * @param drainTimeout  how long one node's drain may take
 */
public final class UpgradeRun {
    private final InstallRun install;
    private final int workersAtOnce;
    private final boolean force;
    private final Duration drainTimeout;
    private volatile KubernetesVersion written;
    private volatile KubernetesVersion from;

    public UpgradeRun(InstallRun install, int workersAtOnce, boolean force, Duration drainTimeout) {
        this.install = install;
        this.workersAtOnce = workersAtOnce;
        this.force = force;
        this.drainTimeout = drainTimeout;
    }

    public InstallRun install() {
        return install;
    }

    /** The bundle's version, where the upgrade goes; empty without a bundle ({@link InstallRun#checkBundle} says so). */
    public Optional<KubernetesVersion> target() {
        return install.hasBundle() ? KubernetesVersion.parse(install.bundle().manifest().kubernetesVersion()) : Optional.empty();
    }

    KubernetesVersion targetVersion() {
        return target().orElseThrow(() -> new IllegalStateException("upgrade runs from a bundle"));
    }

    /**
     * The inventory as the upgrade reads it: an inventory still naming an older version than the bundle's is taken at
     * the bundle's version (the user is told to write it down); any other stays as written and is checked against the
     * bundle as apply checks it.
     */
    public Inventory inventoryFor(Inventory asWritten) {
        written = asWritten.cluster().kubernetesVersion();
        Optional<KubernetesVersion> to = target();
        if (to.isPresent() && written.compareTo(to.get()) < 0) {
            return asWritten.withKubernetesVersion(to.get());
        }
        return asWritten;
    }

    /** The version the inventory file names (before {@link #inventoryFor}). */
    Optional<KubernetesVersion> writtenVersion() {
        return Optional.ofNullable(written);
    }

    int workersAtOnce() {
        return workersAtOnce;
    }

    boolean force() {
        return force;
    }

    Duration drainTimeout() {
        return drainTimeout;
    }

    /** The version the cluster ran when this upgrade began (kubeadm-config), known after {@link UpgradeCheckPhase}. */
    KubernetesVersion from() {
        if (from == null) {
            throw new IllegalStateException("the cluster's version is read by the upgrade-check phase, which has not run");
        }
        return from;
    }

    void setFrom(KubernetesVersion from) {
        this.from = from;
    }

    /** Where the etcd snapshot taken before going to {@code to} is kept: the state directory. */
    static Path snapshotFile(Inventory inventory, KubernetesVersion to) {
        return inventory.stateDir().resolve(SNAPSHOT_DIR).resolve("etcd-before-" + to + ".db");
    }

    static final Path SNAPSHOT_DIR = Path.of("backups");
}
