package io.kubeferry.install;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.RunContext;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Kernel settings and containerd (its config, unit, registry pins), containerd started, then the bundle's images
 * imported into containerd's k8s.io namespace (once per image archive: recorded by its sha256) and every image
 * of the bundle checked to be there before any kubelet starts.
 */
public final class RuntimePhase extends ComponentsPhase {
    static final String IMAGES_STAMP = BundleBinaries.INSTALLED_DIR + "/images.sha256";
    static final int CONTAINERD_WAIT_SECONDS = 60;
    private static final String BEFORE = BundleBinaries.INSTALLED_DIR + "/images-before.txt";

    public RuntimePhase(InstallRun run) {
        super("container-runtime", "Kernel settings, containerd and the bundle's images", run, Inventory::nodes,
                Set.of("kernel-settings", "containerd"));
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        super.runOn(ctx, host, remote);
        String waitContainerd = "i=0; while [ $i -lt " + CONTAINERD_WAIT_SECONDS + " ]; do ctr version >/dev/null 2>&1 && exit 0;"
                + " sleep 1; i=$((i+1)); done; ctr version";
        var r = remote.exec(waitContainerd, Duration.ofSeconds(CONTAINERD_WAIT_SECONDS + 15));
        if (!r.ok()) {
            throw new HostFailureException(host.name(), "containerd does not answer on its socket after "
                    + CONTAINERD_WAIT_SECONDS + " s: " + r.stderr().strip() + "; see `journalctl -u containerd`");
        }
        BundleManifest m = run.bundle().manifest();
        if (m.imageArchive() == null) {
            return;
        }
        String sha = m.file(m.imageArchive()).orElseThrow().sha256();
        String tar = Shell.quote(BundleBinaries.stagedPath(m.imageArchive()));
        String importCmd = "if [ \"$(cat " + IMAGES_STAMP + " 2>/dev/null)\" = " + sha + " ]; then echo unchanged; else"
                // the images not there before are recorded, for `installer reset`
                + " mkdir -p " + BundleBinaries.INSTALLED_DIR + " && ctr -n k8s.io images ls -q > " + BEFORE
                + " && ctr -n k8s.io images import " + tar + " >/dev/null"
                + " && { ctr -n k8s.io images ls -q | grep -vxF -f " + BEFORE + " >> " + io.kubeferry.reset.HostRecord.IMPORTED_IMAGES
                + " || true; } && rm -f " + BEFORE
                + " && echo " + sha + " > " + IMAGES_STAMP + " && echo imported; fi";
        var imported = remote.exec(importCmd, Duration.ofMinutes(15));
        if (!imported.ok()) {
            throw new HostFailureException(host.name(), "importing the bundle's images into containerd failed: "
                    + imported.stderr().strip());
        }
        if (imported.stdout().contains("imported")) {
            ctx.changed(host.name(), "imported " + m.images().size() + " images into containerd");
        }
        List<String> missing = missingImages(remote, m);
        if (!missing.isEmpty()) {
            // imported once, removed since (crictl rmi, a pruning job): forget the import, so the next run sends the
            // archive again and imports it
            remote.exec("rm -f " + IMAGES_STAMP);
            throw new HostFailureException(host.name(), "containerd lacks images the bundle has: " + missing
                    + "; the kubelet would fail to pull them (nothing is pulled from the internet): run apply again,"
                    + " it imports them anew");
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        super.dryRunOn(ctx, host, remote);
        BundleManifest m = run.bundle().manifest();
        if (m.imageArchive() != null) {
            String sha = m.file(m.imageArchive()).orElseThrow().sha256();
            if (!remote.exec("cat " + IMAGES_STAMP + " 2>/dev/null").stdout().strip().equals(sha)) {
                ctx.plan().change(host.name(), title(), "import " + m.images().size() + " images into containerd (k8s.io)");
            }
        }
    }

    /** True when this archive's images were imported on the host (its stamp): the archive need not be there. */
    static boolean imagesImported(RemoteHost remote, String archiveSha256) {
        return remote.exec("cat " + IMAGES_STAMP + " 2>/dev/null").stdout().strip().equals(archiveSha256);
    }

    private static List<String> missingImages(RemoteHost remote, BundleManifest m) {
        Set<String> present = Set.copyOf(remote.execChecked("ctr -n k8s.io images ls -q").stdout().lines().map(String::strip).toList());
        return m.images().stream().map(BundleManifest.ImageEntry::name).filter(n -> !present.contains(n)).toList();
    }
}
