package io.kubeferry.install;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.RunContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole etcd cluster put back to the snapshot the upgrade saved ({@code upgrade --rollback --restore-etcd}), as
 * etcd's disaster recovery does it: every API server and etcd member stopped (their manifests moved aside, or the
 * etcd service stopped), on every member the data directory moved aside and the snapshot restored into a new one
 * ({@code etcdctl snapshot restore}, etcdutl from etcd 3.6, run from the member's own etcd image through containerd or
 * the host's etcd binary; each found before anything stops) with the members' names and peer URLs as the manifests
 * have them, then etcd started and waited for healthy on every member, then the control planes. Everything written
 * since the snapshot is lost: it is asked for by name. Recorded once the data is back ({@code <snapshot>.restored}),
 * so a rerun after that only brings the control planes back. Not done: etcdutl's {@code --bump-revision
 * --mark-compacted} (3.6), so clients watching at later revisions are not told to relist.
 */
final class EtcdRestore {
    static final String ASIDE = "/etc/kubernetes/kubeferry-restore";
    static final String UPLOADED = "/var/lib/kubeferry/etcd-restore.db";
    private static final Pattern IMAGE = Pattern.compile("(?m)^\\s*(?:-\\s+)?image:\\s*\"?([^\"\\s]+)\"?\\s*$");
    private final ClusterApi api;

    EtcdRestore(ClusterApi api) {
        this.api = api;
    }

    /** The snapshot of upgrade {@code a} is there and etcd is Kubeferry's (exit 2 otherwise). */
    static Path check(Inventory inv, UpgradeRun.Attempt a) {
        if (inv.etcdMode() == EtcdSettings.Mode.EXTERNAL) {
            throw new BadInputException("--restore-etcd", "etcd is external (cluster.etcd.mode): its owner restores it");
        }
        Path snapshot = UpgradeRun.snapshotFile(inv, a.to());
        if (!Files.isRegularFile(snapshot)) {
            throw new BadInputException(snapshot.toString(), "no etcd snapshot of the upgrade to " + a.to() + " here: nothing"
                    + " to restore; roll back without --restore-etcd");
        }
        return snapshot;
    }

    static Path record(Path snapshot) {
        return snapshot.resolveSibling(snapshot.getFileName() + ".restored");
    }

    void dryRun(RunContext ctx, UpgradeRun.Attempt a) {
        Path snapshot = check(ctx.inventory(), a);
        if (Files.exists(record(snapshot))) {
            return;
        }
        ctx.plan().change(DryRunPlan.CLUSTER, "etcd restore", "stop every API server, controller-manager, scheduler and"
                + " etcd member, restore " + snapshot + " on " + names(ctx.inventory().etcdMembers()) + " (their data"
                + " directories moved aside), start them again: everything written since the snapshot is lost");
    }

    void run(RunContext ctx, UpgradeRun.Attempt a) {
        Inventory inv = ctx.inventory();
        Path snapshot = check(inv, a);
        if (!Files.exists(record(snapshot))) {
            restoreData(ctx, snapshot);
            // the data is back on every member: a rerun after this point must not restore again (writes since)
            ctx.stateLock().write(inv.stateDir().relativize(record(snapshot)),
                    (java.time.Instant.now() + "\n").getBytes(StandardCharsets.UTF_8), 0600);
        } else {
            ctx.console().info("    etcd: " + snapshot.getFileName() + " was restored already; bringing the API servers back");
        }
        for (Host cp : inv.controlPlanes()) {
            for (String manifest : CONTROL_PLANE) {
                moveBack(ctx.connection(cp), manifest);
            }
        }
        for (Host cp : inv.controlPlanes()) {
            RemoteHost r = ctx.connection(cp);
            WaitControlPlanePhase.apiServerListening(ctx, cp, r);
            try (KubeApi kube = api.openOn(ctx, cp, "admin.conf")) {
                kube.waitForReadyz(WaitControlPlanePhase.READYZ_TIMEOUT, line -> ctx.console().detail("    " + cp.name() + ": " + line));
            }
        }
        ctx.console().info("    etcd: every member restored from " + snapshot + "; the API servers are back");
    }

    /** The control-plane pods stopped while etcd's data goes back (their watches would outlive the old revisions). */
    private static final List<String> CONTROL_PLANE = List.of("kube-apiserver.yaml", "kube-controller-manager.yaml",
            "kube-scheduler.yaml");

    private void restoreData(RunContext ctx, Path snapshot) {
        Inventory inv = ctx.inventory();
        boolean staticPods = inv.etcdMode() == EtcdSettings.Mode.STATIC_POD;
        List<Host> members = inv.etcdMembers();
        String initialCluster = String.join(",", members.stream().map(h -> h.name() + "=" + EtcdMembers.peerUrl(h)).toList());
        String dataDir = inv.cluster().extraArgsFor("etcd").getOrDefault("data-dir", "/var/lib/etcd");
        String parent = dataDir.substring(0, Math.max(1, dataDir.lastIndexOf('/')));
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));

        // every member's tool found before anything stops: its own etcd image (static pods) or binary (host service)
        java.util.Map<Host, String> tools = new java.util.LinkedHashMap<>();
        for (Host m : members) {
            RemoteHost r = ctx.connection(m);
            String tool;
            if (staticPods) {
                String manifest = r.exec("cat " + HostDiagnosis.MANIFESTS_DIR + "/etcd.yaml " + ASIDE + "/etcd.yaml 2>/dev/null").stdout();
                Matcher im = IMAGE.matcher(manifest);
                if (!im.find()) {
                    throw new HostFailureException(m.name(), "no etcd manifest (" + HostDiagnosis.MANIFESTS_DIR + "/etcd.yaml)"
                            + " to take the etcd image from; nothing was stopped");
                }
                String image = im.group(1);
                if (r.exec("ctr -n k8s.io images ls -q | grep -qxF " + Shell.quote(image)).exitCode() != 0) {
                    throw new HostFailureException(m.name(), "containerd lacks the etcd image " + image + "; nothing was stopped");
                }
                String binary = image.matches(".*:v?3\\.[0-5]\\..*") ? "etcdctl" : "etcdutl"; // 3.6 dropped etcdctl's restore
                tool = "ctr -n k8s.io run --rm --net-host --mount type=bind,src=" + Shell.quote(parent) + ",dst="
                        + Shell.quote(parent) + ",options=rbind:rw --mount type=bind,src=/var/lib/kubeferry,dst=/var/lib/kubeferry,"
                        + "options=rbind:rw " + Shell.quote(image) + " kubeferry-etcd-restore-" + stamp + " " + binary;
            } else {
                String found = r.exec("command -v etcdutl || { " + BundleBinaries.BIN_DIR + "/etcdctl snapshot restore --help"
                        + " >/dev/null 2>&1 && echo " + BundleBinaries.BIN_DIR + "/etcdctl; }").stdout().strip();
                if (found.isEmpty()) {
                    throw new HostFailureException(m.name(), "neither etcdutl nor an etcdctl with snapshot restore here;"
                            + " nothing was stopped");
                }
                tool = found;
            }
            tools.put(m, tool);
        }

        for (Host cp : inv.controlPlanes()) {
            for (String manifest : CONTROL_PLANE) {
                moveAside(ctx.connection(cp), manifest);
            }
        }
        for (Host m : members) {
            RemoteHost r = ctx.connection(m);
            if (staticPods) {
                moveAside(r, "etcd.yaml");
            } else {
                r.execChecked("systemctl stop etcd");
            }
        }
        for (Host h : inv.hosts()) {
            if (inv.controlPlanes().contains(h) || members.contains(h)) {
                waitGone(h, ctx.connection(h));
            }
        }
        ctx.changed(DryRunPlan.CLUSTER, "stopped every API server, controller-manager, scheduler and etcd member");
        for (Host m : members) {
            RemoteHost r = ctx.connection(m);
            FileDistributor.directCopy().ensure(r, snapshot, UPLOADED, 0600);
            String restore = "snapshot restore " + UPLOADED + " --name " + Shell.quote(m.name()) + " --initial-cluster "
                    + Shell.quote(initialCluster) + " --initial-advertise-peer-urls " + Shell.quote(EtcdMembers.peerUrl(m))
                    + " --data-dir " + Shell.quote(dataDir);
            String cmd = "set -e; if [ -e " + Shell.quote(dataDir) + " ]; then mv " + Shell.quote(dataDir) + " "
                    + Shell.quote(dataDir + ".before-restore-" + stamp) + "; fi; " + tools.get(m) + " " + restore + " >/dev/null;"
                    + " chmod 0700 " + Shell.quote(dataDir);
            var res = r.exec(cmd, Duration.ofMinutes(10));
            r.exec("rm -f " + UPLOADED); // it holds every Secret
            if (!res.ok()) {
                throw new HostFailureException(m.name(), "etcd snapshot restore failed: " + (res.stderr() + res.stdout()).strip()
                        + "; the control planes and etcd are stopped (their manifests in " + ASIDE + "): fix it and run the"
                        + " rollback with --restore-etcd again");
            }
            ctx.changed(m.name(), "etcd data restored from " + snapshot.getFileName() + " (the old data in " + dataDir
                    + ".before-restore-" + stamp + ")");
        }
        for (Host m : members) {
            RemoteHost r = ctx.connection(m);
            if (staticPods) {
                moveBack(r, "etcd.yaml");
            } else {
                r.execChecked("systemctl start etcd");
            }
        }
        for (Host m : members) {
            RemoteHost r = ctx.connection(m);
            EtcdMembers etcd = EtcdMembers.through(inv, m, r);
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!etcd.healthy()) {
                if (System.nanoTime() > deadline) {
                    throw new HostFailureException(m.name(), "its etcd member is not healthy 3 minutes after the restore");
                }
                sleep();
            }
        }
    }

    private static void moveAside(RemoteHost r, String manifest) {
        r.execChecked("mkdir -p " + ASIDE + " && if [ -f " + HostDiagnosis.MANIFESTS_DIR + "/" + manifest + " ]; then mv -f "
                + HostDiagnosis.MANIFESTS_DIR + "/" + manifest + " " + ASIDE + "/; fi");
    }

    private static void moveBack(RemoteHost r, String manifest) {
        r.execChecked("if [ -f " + ASIDE + "/" + manifest + " ]; then mv -f " + ASIDE + "/" + manifest + " "
                + HostDiagnosis.MANIFESTS_DIR + "/; fi; rmdir " + ASIDE + " 2>/dev/null || true");
    }

    private static Optional<String> image(RemoteHost r) {
        Matcher m = IMAGE.matcher(r.exec("cat " + ASIDE + "/etcd.yaml 2>/dev/null").stdout());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The kubelet stops a static pod once its manifest is gone: etcd's data must not be moved under a running member. */
    private static void waitGone(Host h, RemoteHost r) {
        String loop = "command -v crictl >/dev/null 2>&1 || exit 0; i=0; while [ $i -lt 90 ]; do"
                + " [ -z \"$(crictl ps -q --name '^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)$' 2>/dev/null)\" ] && exit 0; sleep 1; i=$((i+1));"
                + " done; exit 1";
        if (r.exec(loop, Duration.ofSeconds(120)).exitCode() != 0) {
            throw new HostFailureException(h.name(), "etcd or kube-apiserver still runs 90 s after its manifest was moved to "
                    + ASIDE + "; nothing was restored");
        }
    }

    private static String names(List<Host> hosts) {
        return String.join(", ", hosts.stream().map(Host::name).toList());
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostFailureException("etcd", "interrupted");
        }
    }
}
