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

    /** The upgrade in progress or last done, in the state directory: what a resumed run and a rollback go by. */
    static final Path ATTEMPT = Path.of("upgrades", "attempt");

    /** One upgrade: from the version the cluster ran when it began, to the bundle's. */
    record Attempt(KubernetesVersion from, KubernetesVersion to) {
        String text() {
            return "from=" + from + "\nto=" + to + "\n";
        }
    }

    static Optional<Attempt> readAttempt(Inventory inventory) {
        Path f = inventory.stateDir().resolve(ATTEMPT);
        if (!java.nio.file.Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            java.util.Map<String, String> kv = new java.util.HashMap<>();
            for (String line : java.nio.file.Files.readAllLines(f)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1).strip());
                }
            }
            Optional<KubernetesVersion> from = KubernetesVersion.parse(kv.getOrDefault("from", ""));
            Optional<KubernetesVersion> to = KubernetesVersion.parse(kv.getOrDefault("to", ""));
            return from.isPresent() && to.isPresent() ? Optional.of(new Attempt(from.get(), to.get())) : Optional.empty();
        } catch (java.io.IOException e) {
            throw io.kubeferry.files.LocalIoFailure.of(f, "reading", e);
        }
    }

    /** Before the first host changes: this upgrade recorded (a resumed one keeps its record). */
    void recordAttempt(io.kubeferry.phase.RunContext ctx) {
        Attempt a = new Attempt(from(), targetVersion());
        if (!readAttempt(ctx.inventory()).equals(Optional.of(a))) {
            ctx.stateLock().write(ATTEMPT, a.text().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0600);
        }
    }

    /**
     * A rolled-back upgrade is over: its record and snapshot are moved aside (kept, dated), so that the next upgrade
     * to that version takes a fresh snapshot and a second rollback has nothing to do.
     */
    static void retireAttempt(io.kubeferry.phase.RunContext ctx, Attempt a) {
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Inventory inv = ctx.inventory();
        ctx.stateLock().requireFor(inv.stateDir());
        Path snapshot = snapshotFile(inv, a.to());
        try {
            if (java.nio.file.Files.exists(snapshot)) {
                java.nio.file.Files.move(snapshot, snapshot.resolveSibling(snapshot.getFileName() + ".rolled-back-" + stamp));
            }
            java.nio.file.Files.deleteIfExists(snapshot.resolveSibling(snapshot.getFileName() + ".restored"));
            Path attempt = inv.stateDir().resolve(ATTEMPT);
            java.nio.file.Files.move(attempt, attempt.resolveSibling("attempt.rolled-back-" + stamp));
        } catch (java.io.IOException e) {
            throw io.kubeferry.files.LocalIoFailure.of(snapshot.getParent(), "moving aside", e);
        }
    }
}
