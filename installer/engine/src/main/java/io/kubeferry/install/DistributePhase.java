package io.kubeferry.install;

import io.kubeferry.apply.ComponentApplier;
import io.kubeferry.apply.KubeletClientCredential;
import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.component.ContentHash;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.HostFile;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiLayout;
import io.kubeferry.pki.PkiService;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Puts the bundle's binaries, its image archive and the host's certificates and kubeconfigs on every node (an etcd
 * host of a host-service etcd gets the etcd archive and its certificates only), and installs the binaries in their
 * places. Files are sent by the {@link FileDistributor} (skipped when the host
 * has them with the same sha256, resumed when cut) into {@link BundleBinaries#STAGING_DIR}; installing is
 * recorded per artifact, so a second run sends and installs nothing. Before the first host sends, the distributor is
 * told every host's needs at once ({@link FileDistributor#prepare}): the relay moves the files then.
 */
public final class DistributePhase extends HostPhase {
    private final InstallRun run;
    private final Object prepareLock = new Object();
    private final Set<String> held;
    private boolean prepared;

    public DistributePhase(InstallRun run) {
        this(run, Set.of());
    }

    /**
     * @param held binaries sent but not installed here (upgrade: a node's new kubelet goes in during that node's turn,
     *             after its drain; a new etcd one member at a time): {@link #installHeld} installs them
     */
    public DistributePhase(InstallRun run, Set<String> held) {
        this.run = run;
        this.held = Set.copyOf(held);
    }

    @Override
    public String name() {
        return "distribute";
    }

    @Override
    public String title() {
        return "Distribute binaries, images and certificates";
    }

    /** Every host: nodes, and the etcd hosts of a host-service etcd (their binary and certificates only). */
    @Override
    public List<Host> hosts(RunContext ctx) {
        return ctx.inventory().hosts();
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        prepareDistributor(ctx);
        BundleManifest m = run.bundle().manifest();
        for (Send s : sends(ctx, host, remote)) {
            send(ctx, host, remote, s.bundlePath(), s.placement() == null ? 0644 : 0755);
            if (s.placement() == null || held.contains(s.placement().name())) {
                continue;
            }
            BundleBinaries.Placement p = s.placement();
            BundleManifest.Binary b = binary(m, p.name(), arch(ctx, host));
            String out = remote.execChecked(BundleBinaries.installCommand(p, b, s.sha256())).stdout();
            if (out.contains("installed")) {
                ctx.changed(host.name(), "installed " + p.name() + " " + b.version());
                if (p.name().equals("kubelet") || p.name().equals("containerd") || p.name().equals("etcd")) {
                    // a new binary under a running daemon: restart it where it runs (a first install starts it later)
                    remote.execChecked("if systemctl is-active --quiet " + p.name() + "; then systemctl restart " + p.name() + "; fi");
                }
            }
        }
        boolean node = ctx.inventory().nodes().contains(host);
        if (node && KubeletClientCredential.linkIfRegularFile(remote, PkiLayout.KUBELET_CLIENT_CURRENT, java.time.Instant.now())) {
            ctx.changed(host.name(), "made " + PkiLayout.KUBELET_CLIENT_CURRENT + " a symlink to a dated file, as the kubelet's"
                    + " certificate store needs to rotate it");
        }
        List<HostFile> pki = pkiFilesToWrite(host, remote);
        // before they are written: for `installer reset`
        remote.execChecked(io.kubeferry.reset.HostRecord.recordCommand(io.kubeferry.reset.HostRecord.writtenRecord("pki"),
                pki.stream().map(f -> "f " + f.path()).toList()));
        for (HostFile f : pki) {
            if (KubeletClientCredential.handles(f.path())) {
                String dated = KubeletClientCredential.write(remote, f, java.time.Instant.now());
                ctx.changed(host.name(), "wrote " + dated + " (" + f.path() + " points to it)");
            } else if (!remote.put(f.content(), f.path(), f.mode()).skipped()) {
                ctx.changed(host.name(), "wrote " + f.path());
            }
        }
    }

    /**
     * One bundle file a host still needs.
     *
     * @param placement the binary it installs, null for the image archive
     */
    private record Send(String bundlePath, String sha256, BundleBinaries.Placement placement) {
    }

    /** What the host still needs: artifacts not installed from this very bundle, the image archive when not imported. */
    private List<Send> sends(RunContext ctx, Host host, RemoteHost remote) {
        String arch = arch(ctx, host);
        BundleManifest m = run.bundle().manifest();
        List<Send> out = new ArrayList<>();
        for (BundleBinaries.Placement p : BundleBinaries.placementsFor(ctx.inventory(), host)) {
            BundleManifest.Binary b = binary(m, p.name(), arch);
            String sha = sha256(m, b.path());
            if (needsInstall(remote, p, sha)) { // else installed from this very artifact: a second run hashes nothing big
                out.add(new Send(b.path(), sha, p));
            }
        }
        if (m.imageArchive() != null && ctx.inventory().nodes().contains(host)
                && !RuntimePhase.imagesImported(remote, sha256(m, m.imageArchive()))) {
            out.add(new Send(m.imageArchive(), sha256(m, m.imageArchive()), null));
        }
        return out;
    }

    /**
     * Once per run, before the first host sends: every host's needs to the distributor, which may move the files
     * between hosts (the relay) before each host's {@link #runOn} asks for them.
     */
    private void prepareDistributor(RunContext ctx) {
        synchronized (prepareLock) {
            if (prepared) {
                return;
            }
            prepared = true;
            List<Host> hosts = hosts(ctx).stream().filter(h -> !ctx.hasFailed(h)).toList();
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(ctx.options().concurrency(), hosts.size())));
            try {
                List<Future<List<FileDistributor.Delivery>>> futures = new ArrayList<>();
                for (Host h : hosts) {
                    futures.add(pool.submit(() -> {
                        RemoteHost r = ctx.connection(h);
                        List<FileDistributor.Delivery> ds = new ArrayList<>();
                        for (Send s : sends(ctx, h, r)) {
                            Path local = run.bundle().dir().resolve(s.bundlePath());
                            ds.add(new FileDistributor.Delivery(h, r, local, BundleBinaries.stagedPath(s.bundlePath()),
                                    s.sha256(), sizeOf(run.bundle().manifest(), s.bundlePath())));
                        }
                        return ds;
                    }));
                }
                List<FileDistributor.Delivery> all = new ArrayList<>();
                for (var f : futures) {
                    try {
                        all.addAll(f.get());
                    } catch (ExecutionException e) {
                        // that host fails in its own runOn, with its own message
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                run.distributor().prepare(all, ctx.console()::info);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        String arch = arch(ctx, host);
        BundleManifest m = run.bundle().manifest();
        boolean node = ctx.inventory().nodes().contains(host);
        for (BundleBinaries.Placement p : BundleBinaries.placementsFor(ctx.inventory(), host)) {
            BundleManifest.Binary b = binary(m, p.name(), arch);
            String sha = sha256(m, b.path());
            if (!needsInstall(remote, p, sha)) {
                continue;
            }
            if (differs(remote, BundleBinaries.stagedPath(b.path()), sha)) {
                ctx.plan().change(host.name(), title(), "copy " + b.path() + " (" + size(m, b.path()) + ")");
            }
            ctx.plan().change(host.name(), title(), "install " + p.name() + " " + b.version() + " (" + p.marker() + ")"
                    + (held.contains(p.name()) ? " in the host's own turn" : ""));
        }
        if (m.imageArchive() != null && node && !RuntimePhase.imagesImported(remote, sha256(m, m.imageArchive()))
                && differs(remote, BundleBinaries.stagedPath(m.imageArchive()), sha256(m, m.imageArchive()))) {
            ctx.plan().change(host.name(), title(), "copy " + m.imageArchive() + " (" + size(m, m.imageArchive()) + ")");
        }
        if (!run.hasPlan()) {
            ctx.plan().change(host.name(), title(), "write this host's certificates and kubeconfigs");
            return;
        }
        for (HostFile f : pkiFilesToWrite(host, remote)) {
            if (ComponentApplier.differs(remote, f)) {
                ctx.plan().change(host.name(), title(), "write " + f.path() + " (mode " + String.format("%04o", f.mode())
                        + ", sha256 " + ContentHash.sha256Hex(f.content()).substring(0, 12) + ")");
            }
        }
    }

    /** The held binaries this host still needs installed (sent already by this phase). */
    public List<String> heldToInstall(RunContext ctx, Host host, RemoteHost remote) {
        BundleManifest m = run.bundle().manifest();
        return BundleBinaries.placementsFor(ctx.inventory(), host).stream().filter(p -> held.contains(p.name()))
                .filter(p -> needsInstall(remote, p, sha256(m, binary(m, p.name(), arch(ctx, host)).path())))
                .map(BundleBinaries.Placement::name).toList();
    }

    /**
     * Installs a held binary from where this phase staged it (the caller restarts what runs it).
     *
     * @return true when it was installed now, false when it already was
     */
    public boolean installHeld(RunContext ctx, Host host, RemoteHost remote, String name) {
        BundleManifest m = run.bundle().manifest();
        BundleBinaries.Placement p = BundleBinaries.placementsFor(ctx.inventory(), host).stream()
                .filter(x -> x.name().equals(name)).findFirst().orElseThrow(() -> new IllegalStateException(
                        host.name() + " gets no " + name));
        BundleManifest.Binary b = binary(m, name, arch(ctx, host));
        String sha = sha256(m, b.path());
        send(ctx, host, remote, b.path(), 0755); // sent by this phase already: a hash check only
        boolean installed = remote.execChecked(BundleBinaries.installCommand(p, b, sha)).stdout().contains("installed");
        if (installed) {
            ctx.changed(host.name(), "installed " + name + " " + b.version());
        }
        return installed;
    }

    private void send(RunContext ctx, Host host, RemoteHost remote, String bundlePath, int mode) {
        Path local = run.bundle().dir().resolve(bundlePath);
        if (run.distributor().ensure(remote, local, BundleBinaries.stagedPath(bundlePath), mode)) {
            ctx.changed(host.name(), "copied " + bundlePath);
        }
    }

    /** Whether the artifact is not yet installed on the host as this bundle has it (its stamp and marker). */
    private static boolean needsInstall(RemoteHost remote, BundleBinaries.Placement p, String sha256) {
        return remote.exec(BundleBinaries.checkCommand(p, sha256)).stdout().contains("install");
    }

    /** The host's PKI files, less the kubelet's rotating credentials once it has them (only `certs renew` replaces them). */
    private List<HostFile> pkiFilesToWrite(Host host, RemoteHost remote) {
        return run.plan().pkiFilesFor(host).stream()
                .filter(f -> !(PkiService.isWriteOnce(f.path()) && exists(remote, f.path())))
                .toList();
    }

    private static boolean exists(RemoteHost remote, String path) {
        return remote.exec("test -e " + Shell.quote(path)).exitCode() == 0;
    }

    private static boolean differs(RemoteHost remote, String path, String sha256) {
        return !remote.exec("sha256sum " + Shell.quote(path) + " 2>/dev/null").stdout().startsWith(sha256 + " ");
    }

    private static String arch(RunContext ctx, Host host) {
        return ctx.facts(host.name()).orElseThrow(() -> new IllegalStateException("no facts for " + host.name())).arch();
    }

    private BundleManifest.Binary binary(BundleManifest m, String name, String arch) {
        return m.binary(name, arch).orElseThrow(() -> new UnexpectedStateException("the bundle at " + run.bundle().dir()
                + " has no " + name + " for " + arch + " (bundle.yaml binaries); build it with that architecture"));
    }

    private static String sha256(BundleManifest m, String path) {
        return m.file(path).orElseThrow(() -> new UnexpectedStateException("bundle.yaml lists no file " + path)).sha256();
    }

    private static long sizeOf(BundleManifest m, String path) {
        return m.file(path).orElseThrow(() -> new UnexpectedStateException("bundle.yaml lists no file " + path)).size();
    }

    private static String size(BundleManifest m, String path) {
        return m.file(path).map(f -> f.size() / (1024 * 1024) + " MiB").orElse("?");
    }
}
