package io.kubeferry.install;

import io.fabric8.kubernetes.api.model.Node;
import io.kubeferry.apply.ComponentApplier;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.HostFile;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.kube.NodeDrain;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.PhaseRunner;
import io.kubeferry.phase.RunContext;
import io.kubeferry.render.RenderedCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The upgrade's rolling step over some hosts, in inventory order, {@code atOnce} at a time: for each host whose files
 * or held binaries differ from the new plan, its previous files saved ({@link UpgradeBackup}), the node cordoned and
 * drained (marked so that only Kubeferry's own cordon is undone), the new binaries installed and the components
 * applied, then waited for: the kubelet's /healthz, every static pod running its new image, the API server's /readyz
 * and version on that host, the Node Ready with the new kubelet version; then uncordoned. A host already at the new
 * plan is only checked (a resumed upgrade goes on where the last one stopped). The first failure stops the roll: the
 * hosts after it are not touched, so the control planes before it keep serving.
 */
public final class UpgradeRollPhase implements Phase {
    static final String DRAINED_ANNOTATION = "kubeferry.io/upgrade-drained";
    static final int STATIC_POD_SECONDS = 180;
    static final int CRASH_SECONDS = 20;
    static final Duration NODE_READY = Duration.ofMinutes(3);
    private static final Pattern IMAGE = Pattern.compile("(?m)^\\s*(?:-\\s+)?image:\\s*\"?([^\"\\s]+)\"?\\s*$");

    private final String name;
    private final String title;
    private final UpgradeRun run;
    private final DistributePhase distribute;
    private final Function<Inventory, List<Host>> hosts;
    private final Set<String> components;
    private final boolean workers;
    private final ComponentApplier applier = new ComponentApplier();

    private UpgradeRollPhase(String name, String title, UpgradeRun run, DistributePhase distribute,
                             Function<Inventory, List<Host>> hosts, Set<String> components, boolean workers) {
        this.name = name;
        this.title = title;
        this.run = run;
        this.distribute = distribute;
        this.hosts = hosts;
        this.components = Set.copyOf(components);
        this.workers = workers;
    }

    /** Members of a host-service etcd that are no control planes: etcd one member at a time, before the control planes. */
    public static UpgradeRollPhase etcdHosts(UpgradeRun run, DistributePhase distribute) {
        return new UpgradeRollPhase("upgrade-etcd", "Upgrade the etcd hosts, one at a time", run, distribute,
                inv -> inv.etcdMode() == EtcdSettings.Mode.HOST_SERVICE
                        ? inv.etcdMembers().stream().filter(h -> !inv.nodes().contains(h)).toList() : List.of(),
                Set.of("etcd"), false);
    }

    public static UpgradeRollPhase controlPlanes(UpgradeRun run, DistributePhase distribute) {
        return new UpgradeRollPhase("upgrade-control-planes", "Upgrade the control planes, one at a time", run, distribute,
                Inventory::controlPlanes, Set.of("apiserver-proxy", "etcd", "kube-apiserver", "kube-controller-manager",
                        "kube-scheduler", "kubelet"), false);
    }

    public static UpgradeRollPhase workers(UpgradeRun run, DistributePhase distribute) {
        return new UpgradeRollPhase("upgrade-workers", "Upgrade the workers (cordon, drain, kubelet, uncordon)", run,
                distribute, inv -> inv.nodes().stream().filter(h -> !h.isControlPlane()).toList(),
                Set.of("apiserver-proxy", "etcd", "kubelet"), true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String title() {
        return title;
    }

    @Override
    public boolean usesSsh() {
        return true;
    }

    @Override
    public boolean shouldRun(RunContext ctx) {
        return !hosts.apply(ctx.inventory()).isEmpty();
    }

    @Override
    public void run(RunContext ctx) {
        run.recordAttempt(ctx); // before the first host changes: what a resumed run and a rollback go by
        Inventory inv = ctx.inventory();
        List<Host> all = hosts.apply(inv);
        // etcd members among the workers (host-service etcd): one at a time, so that etcd keeps its quorum
        boolean holdsEtcd = all.stream().anyMatch(h -> inv.etcdMode() == EtcdSettings.Mode.HOST_SERVICE && inv.etcdMembers().contains(h));
        int atOnce = workers && !holdsEtcd ? Math.max(1, run.workersAtOnce()) : 1;
        if (workers && holdsEtcd && run.workersAtOnce() > 1) {
            ctx.console().warn("some workers are etcd members: they are upgraded one at a time, whatever --concurrency says");
        }
        List<String> done = new ArrayList<>();
        for (int i = 0; i < all.size(); i += atOnce) {
            List<Host> batch = all.subList(i, Math.min(all.size(), i + atOnce));
            Map<String, Throwable> failed = runBatch(ctx, batch);
            if (!failed.isEmpty()) {
                batch.stream().map(Host::name).filter(h -> !failed.containsKey(h)).forEach(done::add);
                List<String> untouched = all.subList(Math.min(all.size(), i + atOnce), all.size()).stream().map(Host::name).toList();
                throw stopped(failed, done, untouched);
            }
            batch.forEach(h -> done.add(h.name()));
        }
    }

    private Map<String, Throwable> runBatch(RunContext ctx, List<Host> batch) {
        Map<String, Throwable> failed = new LinkedHashMap<>();
        if (batch.size() == 1) {
            try {
                upgradeHost(ctx, batch.get(0));
            } catch (RuntimeException e) {
                failed.put(batch.get(0).name(), e);
            }
            return failed;
        }
        ExecutorService pool = Executors.newFixedThreadPool(batch.size());
        try {
            Map<String, Future<?>> futures = new LinkedHashMap<>();
            batch.forEach(h -> futures.put(h.name(), pool.submit(() -> upgradeHost(ctx, h))));
            for (var f : futures.entrySet()) {
                try {
                    f.getValue().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    failed.put(f.getKey(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed.put(f.getKey(), e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return failed;
    }

    /** The roll stopped: which hosts are done, which failed and why, which were left as they were, and what next. */
    private HostFailureException stopped(Map<String, Throwable> failed, List<String> done, List<String> untouched) {
        String first = failed.keySet().iterator().next();
        StringBuilder why = new StringBuilder("the upgrade stopped at " + String.join(", ", failed.keySet()) + ": ");
        failed.forEach((h, e) -> why.append(failed.size() > 1 ? "\n    " + h + ": " : "").append(PhaseRunner.reason(e)));
        why.append("\n    upgraded: ").append(done.isEmpty() ? "none" : String.join(", ", done))
                .append("; not touched: ").append(untouched.isEmpty() ? "none" : String.join(", ", untouched))
                .append(workers ? "" : " (the control planes not stopped keep the API serving)")
                .append("\n    fix the cause and run `installer upgrade` again (it goes on from here), or return the"
                        + " changed hosts to their previous files with `installer upgrade --rollback`");
        Throwable cause = failed.get(first);
        return new HostFailureException(first, why.toString(), cause instanceof Exception ex ? ex : null);
    }

    private void upgradeHost(RunContext ctx, Host host) {
        Inventory inv = ctx.inventory();
        KubernetesVersion to = run.targetVersion();
        RemoteHost remote = ctx.connection(host);
        List<RenderedCluster.Rendered> placed = placed(ctx, host);
        List<String> held = distribute.heldToInstall(ctx, host, remote);
        boolean filesDiffer = placed.stream().anyMatch(r -> {
            ComponentApplier.Report rep = applier.dryRun(remote, r.component(), host, r.output().filesFor(host.name()));
            return !rep.changedPaths().isEmpty() || rep.commands().stream().anyMatch(c -> c.contains("restart"));
        });
        boolean node = inv.nodes().contains(host);
        if (filesDiffer || !held.isEmpty()) {
            List<String> paths = new ArrayList<>();
            placed.forEach(r -> r.output().filesFor(host.name()).stream().map(HostFile::path).forEach(paths::add));
            held.forEach(b -> paths.addAll(heldFiles(b)));
            String saved = remote.execChecked(UpgradeBackup.saveCommand(paths, run.from().toString(), to.toString())).stdout();
            if (saved.contains("saved")) {
                ctx.changed(host.name(), "saved " + paths.size() + " files it had before the upgrade in " + UpgradeBackup.DIR);
            }
            if (node) {
                drain(ctx, host);
            }
            // binaries first, then the files: a daemon whose files changed is restarted by its apply, once, on its new
            // binary; one whose binary alone changed is restarted after
            java.util.Set<String> restartForBinary = new java.util.TreeSet<>();
            for (String b : held) {
                if (distribute.installHeld(ctx, host, remote, b)) {
                    restartForBinary.add(b);
                }
            }
            for (RenderedCluster.Rendered r : placed) {
                ComponentApplier.Report rep = applier.apply(remote, r.component(), host, r.output().filesFor(host.name()));
                rep.changedPaths().forEach(p -> ctx.changed(host.name(), "wrote " + p));
                if (rep.commands().stream().anyMatch(c -> c.contains("restart"))) {
                    ctx.changed(host.name(), r.component().name() + " restarted");
                    restartForBinary.remove(r.component().name());
                }
            }
            for (String daemon : restartForBinary) { // kubelet, etcd (the services of those names)
                remote.execChecked("if systemctl is-active --quiet " + daemon + "; then systemctl restart " + daemon + "; fi");
                ctx.changed(host.name(), daemon + " restarted on its new binary");
            }
        } else {
            ctx.console().detail("    " + host.name() + ": at " + to + " already; checking it");
        }
        waitFor(ctx, host, remote, placed);
        ctx.console().info("    " + host.name() + ": at " + to);
    }

    /** The files an installed binary puts (and its install record), for the backup. */
    private static List<String> heldFiles(String binary) {
        String stamp = BundleBinaries.INSTALLED_DIR + "/" + binary + ".sha256";
        return switch (binary) {
            case "etcd" -> List.of(BundleBinaries.BIN_DIR + "/etcd", BundleBinaries.BIN_DIR + "/etcdctl", stamp);
            default -> List.of(BundleBinaries.BIN_DIR + "/" + binary, stamp);
        };
    }

    private void waitFor(RunContext ctx, Host host, RemoteHost remote, List<RenderedCluster.Rendered> placed) {
        Inventory inv = ctx.inventory();
        KubernetesVersion to = run.targetVersion();
        boolean node = inv.nodes().contains(host);
        if (node) {
            KubeletWait.healthz(ctx, host, remote, WaitControlPlanePhase.KUBELET_SECONDS);
        }
        for (String image : staticPodImages(host, placed)) {
            waitRunning(ctx, host, remote, image);
        }
        if (host.isControlPlane()) {
            WaitControlPlanePhase.apiServerListening(ctx, host, remote);
            try (KubeApi api = run.install().api().openOn(ctx, host, "admin.conf")) {
                api.waitForReadyz(WaitControlPlanePhase.READYZ_TIMEOUT, line -> ctx.console().detail("    " + host.name() + ": " + line));
                String git = api.gitVersion();
                if (UpgradeVersions.fromGitVersion(git).filter(to::equals).isEmpty()) {
                    throw new HostFailureException(host.name(), "its API server answers /version " + git + ", not " + to.tag());
                }
            }
        }
        if (inv.etcdMode() == EtcdSettings.Mode.HOST_SERVICE && inv.etcdMembers().contains(host)) {
            waitEtcdHealthy(ctx, host, remote); // the API servers list every member: their readyz would not notice
        }
        if (node) {
            try (KubeApi api = run.install().api().openOn(ctx, apiHost(inv, host), "admin.conf")) {
                waitNodeAt(api, host, to);
                uncordonIfDrainedByUs(ctx, api, host);
            }
        }
    }

    /** The images of the host's static-pod manifests, as the plan writes them. */
    static List<String> staticPodImages(Host host, List<RenderedCluster.Rendered> placed) {
        List<String> out = new ArrayList<>();
        for (RenderedCluster.Rendered r : placed) {
            for (HostFile f : r.output().filesFor(host.name())) {
                if (f.path().startsWith(HostDiagnosis.MANIFESTS_DIR + "/")) {
                    Matcher m = IMAGE.matcher(new String(f.content(), java.nio.charset.StandardCharsets.UTF_8));
                    while (m.find()) {
                        if (!out.contains(m.group(1))) {
                            out.add(m.group(1));
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * A running container of the image, through crictl (its --image filter), as the kubelet started it. A container of
     * that image that stays exited (a crash loop between the kubelet's restarts) for {@value #CRASH_SECONDS} s fails the
     * wait at once, with what the diagnosis finds, instead of waiting out the whole time.
     */
    private static void waitRunning(RunContext ctx, Host host, RemoteHost remote, String image) {
        String q = io.kubeferry.host.Shell.quote(image);
        String loop = "command -v crictl >/dev/null 2>&1 || exit 4; i=0; down=0; while [ $i -lt " + STATIC_POD_SECONDS + " ]; do"
                + " [ -n \"$(crictl ps -q --state running --image " + q + " 2>/dev/null)\" ] && exit 0;"
                + " if [ -n \"$(crictl ps -q --state exited --image " + q + " 2>/dev/null)\" ]; then down=$((down+1)); else down=0; fi;"
                + " [ $down -ge " + CRASH_SECONDS + " ] && exit 3; sleep 1; i=$((i+1)); done; exit 1";
        int exit = remote.exec(loop, Duration.ofSeconds(STATIC_POD_SECONDS + 30)).exitCode();
        if (exit == 4) {
            ctx.console().warn(host.name() + ": no crictl on the host: not waiting for " + image + " to run (the API server's"
                    + " readyz and version are still checked)");
            return;
        }
        if (exit != 0) {
            throw new HostFailureException(host.name(), (exit == 3 ? "the container of " + image + " keeps exiting ("
                    + CRASH_SECONDS + " s without running)" : "no container of " + image + " runs " + STATIC_POD_SECONDS
                    + " s after its manifest was written") + "; found on the host:\n    "
                    + HostDiagnosis.describe(HostDiagnosis.diagnose(host, remote)));
        }
    }

    static void waitEtcdHealthy(RunContext ctx, Host host, RemoteHost remote) {
        EtcdMembers etcd = EtcdMembers.through(ctx.inventory(), host, remote);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!etcd.healthy()) {
            if (System.nanoTime() > deadline) {
                throw new HostFailureException(host.name(), "its etcd member is not healthy 2 minutes after its restart");
            }
            sleep(1000);
        }
    }

    /** Another control plane when there is one: the host's own API server restarts during its turn. */
    static Host apiHost(Inventory inv, Host host) {
        return inv.controlPlanes().stream().filter(h -> !h.equals(host)).findFirst().orElse(inv.controlPlanes().get(0));
    }

    /** Cordoned and drained; marked first, unless the user had cordoned it (then left cordoned afterwards). */
    private void drain(RunContext ctx, Host host) {
        try (KubeApi api = run.install().api().openOn(ctx, apiHost(ctx.inventory(), host), "admin.conf")) {
            Node n = api.nodes().stream().filter(x -> host.name().equals(x.getMetadata().getName())).findFirst().orElse(null);
            if (n == null) {
                return; // not registered (yet): nothing runs there to drain
            }
            boolean cordonedByUser = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable())
                    && (n.getMetadata().getAnnotations() == null || !n.getMetadata().getAnnotations().containsKey(DRAINED_ANNOTATION));
            if (!cordonedByUser) {
                api.mergePatch("v1", "Node", null, host.name(), "{\"metadata\":{\"annotations\":{\"" + DRAINED_ANNOTATION
                        + "\":\"" + run.targetVersion() + "\"}}}");
            }
            NodeDrain.Result r = api.nodeDrain().drain(host.name(), run.force(), run.drainTimeout(),
                    line -> ctx.console().detail("    " + host.name() + ": " + line));
            ctx.changed(host.name(), "cordoned and drained (" + r.evicted().size() + " pods evicted, " + r.deleted().size()
                    + " deleted, " + r.skipped().size() + " DaemonSet or static pods left)");
        }
    }

    static void uncordonIfDrainedByUs(RunContext ctx, KubeApi api, Host host) {
        Node n = api.nodes().stream().filter(x -> host.name().equals(x.getMetadata().getName())).findFirst().orElseThrow();
        if (n.getMetadata().getAnnotations() != null && n.getMetadata().getAnnotations().containsKey(DRAINED_ANNOTATION)) {
            api.mergePatch("v1", "Node", null, host.name(), "{\"spec\":{\"unschedulable\":null},\"metadata\":{\"annotations\":{\""
                    + DRAINED_ANNOTATION + "\":null}}}");
            ctx.changed(host.name(), "uncordoned");
        }
    }

    /** Ready, and its kubelet reporting the new version (it re-reports after its restart). */
    static void waitNodeAt(KubeApi api, Host host, KubernetesVersion version) {
        long deadline = System.nanoTime() + NODE_READY.toNanos();
        while (true) {
            Node n = api.waitForNodeReady(host.name(), NODE_READY, line -> { });
            String kubelet = n.getStatus().getNodeInfo() == null ? null : n.getStatus().getNodeInfo().getKubeletVersion();
            if (UpgradeVersions.fromGitVersion(kubelet).filter(version::equals).isPresent()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new HostFailureException(host.name(), "its Node reports kubelet " + kubelet + ", not " + version.tag()
                        + ", " + NODE_READY.toMinutes() + " minutes after the kubelet's restart");
            }
            sleep(1000);
        }
    }

    private List<RenderedCluster.Rendered> placed(RunContext ctx, Host host) {
        return ComponentsPhase.placed(run.install(), ctx.inventory(), components, host);
    }

    @Override
    public void dryRun(RunContext ctx) {
        if (!run.install().hasPlan()) {
            return;
        }
        for (Host host : hosts.apply(ctx.inventory())) {
            RemoteHost remote = ctx.connection(host);
            List<String> changes = new ArrayList<>();
            distribute.heldToInstall(ctx, host, remote).forEach(b -> changes.add("install " + b));
            for (RenderedCluster.Rendered r : placed(ctx, host)) {
                ComponentApplier.Report rep = applier.dryRun(remote, r.component(), host, r.output().filesFor(host.name()));
                rep.changedPaths().forEach(p -> changes.add(r.component().name() + ": write " + p));
            }
            if (!changes.isEmpty()) {
                ctx.plan().change(host.name(), title, "save its files in " + UpgradeBackup.DIR
                        + (ctx.inventory().nodes().contains(host) ? ", cordon and drain" : ""));
                changes.forEach(c -> ctx.plan().change(host.name(), title, c));
                ctx.plan().change(host.name(), title, "wait for it at " + run.targetVersion()
                        + (ctx.inventory().nodes().contains(host) ? ", uncordon" : ""));
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostFailureException("upgrade", "interrupted");
        }
    }
}
