package io.kubeferry.install;

import io.kubeferry.apply.ComponentApplier;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.HostFile;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.kube.NodeDrain;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.plan.ClusterPlan;
import io.kubeferry.plan.EtcdJoins;
import io.kubeferry.render.RenderedCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code installer remove-node}: before anything changes, the quorum check (removing etcd members must leave enough
 * healthy members: refused otherwise, exit 3); then for each named host in turn: drained through the API, its Node
 * deleted, its etcd member removed (and its join record), and the host cleaned (every component's clean step in
 * reverse order, static pods waited for until their containers are gone, its PKI files removed). The action then
 * narrows the inventory to the remaining hosts ({@link #narrowed}) and re-applies, so what listed the removed hosts
 * (the proxies, the API servers' etcd servers) no longer does.
 */
public final class RemoveNodesPhase implements Phase {
    static final int STATIC_POD_STOP_SECONDS = 90;
    /** The static pods' containers, as crictl's --name regular expression. */
    static final String STATIC_PODS = Shell.quote("^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)$");
    private final InstallRun run;
    private final List<String> names;
    private final boolean force;
    private final Duration timeout;
    private final boolean unreachable;
    private final ComponentApplier applier = new ComponentApplier();

    public RemoveNodesPhase(InstallRun run, List<String> names, boolean force, Duration timeout) {
        this(run, names, force, timeout, false);
    }

    /**
     * @param unreachable the hosts are down or gone ({@code --unreachable}): never connected to; their Nodes are deleted
     *                    without a drain (the cluster then deletes their pods) and they are not cleaned
     */
    public RemoveNodesPhase(InstallRun run, List<String> names, boolean force, Duration timeout, boolean unreachable) {
        this.run = run;
        this.names = List.copyOf(names);
        this.force = force;
        this.timeout = timeout;
        this.unreachable = unreachable;
    }

    @Override
    public String name() {
        return "remove-nodes";
    }

    @Override
    public String title() {
        return "Drain, delete and clean the removed hosts";
    }

    @Override
    public boolean runsAlone() {
        return false;
    }

    @Override
    public boolean usesSsh() {
        return true;
    }

    /** Names in the inventory, at least one control plane left, at least one etcd member left (exit 2 otherwise). */
    @Override
    public void validate(Inventory inventory) {
        List<Problem> problems = new ArrayList<>();
        List<String> unknown = names.stream().filter(n -> inventory.host(n).isEmpty()).toList();
        if (!unknown.isEmpty()) {
            problems.add(Problem.error(inventory.source().getFileName() + " (hosts)", "no host " + String.join(", ", unknown)
                    + " in the inventory; remove-node takes hosts of the inventory (still listed): "
                    + String.join(", ", inventory.hosts().stream().map(Host::name).toList())));
        }
        if (inventory.controlPlanes().stream().allMatch(h -> names.contains(h.name()))) {
            problems.add(Problem.error("remove-node", "that would remove every control plane ("
                    + String.join(", ", inventory.controlPlanes().stream().map(Host::name).toList())
                    + "); a cluster needs one: use reset to take the whole cluster down"));
        }
        if (inventory.etcdMode() != EtcdSettings.Mode.EXTERNAL && !inventory.etcdMembers().isEmpty()
                && inventory.etcdMembers().stream().allMatch(h -> names.contains(h.name()))) {
            problems.add(Problem.error("remove-node", "that would remove every etcd member; a cluster needs one"));
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
    }

    /** The inventory without the removed hosts, for the re-apply that follows. */
    static Inventory narrowed(Inventory inventory, List<String> removed) {
        return new Inventory(inventory.source(), inventory.cluster(),
                inventory.hosts().stream().filter(h -> !removed.contains(h.name())).toList());
    }

    private List<Host> removed(Inventory inv) {
        return names.stream().map(n -> inv.host(n).orElseThrow()).toList();
    }

    @Override
    public void run(RunContext ctx) {
        Inventory inv = ctx.inventory();
        Optional<EtcdMembers> etcd = checkQuorum(ctx);
        etcd.ifPresent(c -> EtcdJoinPhase.recordFirstCluster(ctx, c)); // before a first-install member goes
        // the plan of what to clean; an unreachable host is not cleaned (and has no facts to plan with)
        ClusterPlan plan = unreachable ? null : run.planner().plan(inv, ctx.allFacts());
        Host apiHost = inv.controlPlanes().stream().filter(h -> !names.contains(h.name())).findFirst().orElseThrow();
        // its own API client: the re-apply's one is opened after the inventory is narrowed
        ClusterApi api = new ClusterApi(run.api().throughSsh());
        for (Host h : removed(inv)) {
            if (inv.nodes().contains(h)) {
                try (KubeApi kube = api.openOn(ctx, apiHost, "admin.conf")) {
                    if (unreachable && kube.delete("v1", "Node", null, h.name())) {
                        say(ctx, h.name(), "Node deleted without a drain (the host is unreachable: the cluster deletes its"
                                + " pods, their controllers start them elsewhere)");
                    } else if (!unreachable && kube.get("v1", "Node", null, h.name()).isPresent()) {
                        NodeDrain.Result r = kube.nodeDrain().drain(h.name(), force, timeout,
                                line -> ctx.console().detail("    " + h.name() + ": " + line));
                        say(ctx, h.name(), "drained (" + r.evicted().size() + " pods evicted, " + r.deleted().size()
                                + " deleted, " + r.skipped().size() + " DaemonSet or static pods left)");
                        if (kube.delete("v1", "Node", null, h.name())) {
                            say(ctx, h.name(), "Node deleted");
                        }
                    }
                }
            }
            if (etcd.isPresent() && inv.etcdMembers().contains(h)) {
                Optional<EtcdMembers.Member> m = EtcdMembers.byPeerUrl(etcd.get().list(), EtcdMembers.peerUrl(h));
                if (m.isPresent()) {
                    etcd.get().remove(m.get().id());
                    say(ctx, h.name(), "etcd member " + m.get().id() + " removed");
                }
            }
            if (EtcdJoins.has(inv, h)) {
                EtcdJoins.delete(ctx.stateLock(), inv, h);
            }
            if (unreachable) {
                ctx.console().info("    " + h.name() + ": not cleaned (unreachable); its kubelet's credentials stay valid: if it"
                        + " boots again it registers its Node again, so keep it off the network until `installer reset --host "
                        + h.name() + "` (with it still in the inventory) has undone the install there");
            } else {
                clean(ctx, h, plan);
            }
        }
        ctx.narrowInventory(narrowed(inv, names));
        ctx.console().info("    " + String.join(", ", names) + " removed; the remaining hosts are brought up to date;"
                + " delete " + (names.size() == 1 ? "it" : "them") + " from " + inv.source() + " (an apply with "
                + (names.size() == 1 ? "it" : "them") + " still listed adds " + (names.size() == 1 ? "it" : "them") + " again)");
    }

    @Override
    public void dryRun(RunContext ctx) {
        checkQuorum(ctx);
        for (Host h : removed(ctx.inventory())) {
            ctx.plan().change(h.name(), title(), (ctx.inventory().nodes().contains(h)
                    ? unreachable ? "delete the Node without a drain, " : "drain, delete the Node, " : "")
                    + (ctx.inventory().etcdMembers().contains(h) ? "remove its etcd member, " : "")
                    + (unreachable ? "not cleaned (unreachable)" : "clean every component off the host"));
        }
        ctx.plan().change(DryRunPlan.CLUSTER, title(), "re-apply the remaining hosts without " + String.join(", ", names));
        ctx.narrowInventory(narrowed(ctx.inventory(), names));
    }

    /**
     * Removing members must leave a quorum of the members after removal healthy: each remaining member's
     * {@code /health} asked through its own SSH connection. Refused (exit 3) with the numbers otherwise.
     */
    private Optional<EtcdMembers> checkQuorum(RunContext ctx) {
        Inventory inv = ctx.inventory();
        if (inv.etcdMode() == EtcdSettings.Mode.EXTERNAL || removed(inv).stream().noneMatch(inv.etcdMembers()::contains)) {
            return Optional.empty();
        }
        List<Host> remaining = inv.etcdMembers().stream().filter(h -> !names.contains(h.name())).toList();
        EtcdMembers client = null;
        List<String> healthy = new ArrayList<>();
        List<String> unhealthy = new ArrayList<>();
        for (Host h : remaining) {
            EtcdMembers c = EtcdMembers.through(inv, h, ctx.connection(h));
            if (c.healthy()) {
                healthy.add(h.name());
                if (client == null) {
                    client = c;
                }
            } else {
                unhealthy.add(h.name());
            }
        }
        if (client == null) {
            throw new UnexpectedStateException("no remaining etcd member is healthy (" + String.join(", ", unhealthy)
                    + "): removing " + String.join(", ", names) + " would leave etcd without quorum; bring etcd back first");
        }
        List<EtcdMembers.Member> members = client.list();
        long after = members.stream().filter(m -> removed(inv).stream().noneMatch(h -> m.peerUrls().contains(EtcdMembers.peerUrl(h))))
                .count();
        long needed = after / 2 + 1;
        if (healthy.size() < needed) {
            throw new UnexpectedStateException("removing " + String.join(", ", names) + " would break etcd's quorum: "
                    + after + " members would remain, " + needed + " must be healthy, only " + healthy.size() + " are ("
                    + String.join(", ", healthy) + "; not healthy: " + String.join(", ", unhealthy) + ")");
        }
        ctx.console().detail("    etcd: " + healthy.size() + " of " + after + " remaining members healthy (" + needed + " needed)");
        return Optional.of(client);
    }

    /** Every component's clean step in reverse plan order; static pods stopped before the kubelet is. */
    private void clean(RunContext ctx, Host h, ClusterPlan plan) {
        Inventory inv = ctx.inventory();
        RemoteHost remote = ctx.connection(h);
        List<RenderedCluster.Rendered> placed = new ArrayList<>(plan.rendered().components().stream()
                .filter(r -> r.component().enabled(inv) && r.component().hosts(inv).contains(h)).toList());
        Collections.reverse(placed);
        boolean podsWaited = false;
        for (RenderedCluster.Rendered r : placed) {
            if (!podsWaited && Set.of("kubelet", "containerd").contains(r.component().name())) {
                if (h.isControlPlane()) {
                    waitStaticPodsGone(ctx, h, remote);
                }
                podsWaited = true;
            }
            applier.clean(remote, r.component(), h, r.output().filesFor(h.name()));
            ctx.changed(h.name(), "cleaned " + r.component().name());
        }
        List<String> pki = plan.pkiFilesFor(h).stream().map(HostFile::path).toList();
        if (!pki.isEmpty()) {
            remote.execChecked("rm -f -- " + String.join(" ", pki.stream().map(Shell::quote).toList()));
            ctx.changed(h.name(), "removed " + pki.size() + " PKI files");
        }
        ctx.console().info("    " + h.name() + ": cleaned (" + placed.size() + " components, services stopped, files removed)");
    }

    private static void say(RunContext ctx, String host, String what) {
        ctx.changed(host, what);
        ctx.console().info("    " + host + ": " + what);
    }

    /** The kubelet stops a static pod once its manifest is gone; containers left running would outlive the clean. */
    private static void waitStaticPodsGone(RunContext ctx, Host h, RemoteHost remote) {
        String loop = "command -v crictl >/dev/null 2>&1 || exit 0; i=0; while [ $i -lt " + STATIC_POD_STOP_SECONDS + " ]; do"
                + " n=$(crictl ps -q --name " + STATIC_PODS + " 2>/dev/null | wc -l); [ \"$n\" -eq 0 ] && exit 0; sleep 1;"
                + " i=$((i+1)); done; exit 1";
        var r = remote.exec(loop, Duration.ofSeconds(STATIC_POD_STOP_SECONDS + 30));
        if (r.exitCode() != 0) {
            ctx.console().warn(h.name() + ": containers still running " + STATIC_POD_STOP_SECONDS + " s after their"
                    + " static pods were removed; stopping the kubelet anyway");
        }
    }
}
