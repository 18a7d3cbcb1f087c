package io.kubeferry.install;

import io.kubeferry.apply.ComponentApplier;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.plan.EtcdJoins;
import io.kubeferry.render.RenderedCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Grows a running etcd safely, one member at a time (etcd allows one learner at a time): for each etcd member of the
 * inventory that the running cluster does not list as a voting member, {@code member add} as a learner with its peer
 * URL, the initial cluster etcd answers recorded in the state directory ({@link EtcdJoins}), the plan rendered again
 * (that member now starts with {@code --initial-cluster-state=existing}), its etcd (and, for a control plane, the rest
 * of its control plane and kubelet) applied, then promoted once etcd says it caught up with the leader.
 *
 * <p>On a first install no member answers and no member has data: nothing to do, every member starts "new". A re-run
 * after a cut run recognises the learner by its peer URL and goes on with it.
 */
public final class EtcdJoinPhase implements Phase {
    /** Control-plane components applied to a new control plane together with its etcd (the kubelet runs the pod). */
    static final Set<String> MEMBER_COMPONENTS = Set.of("etcd", "apiserver-proxy", "kube-apiserver",
            "kube-controller-manager", "kube-scheduler", "kubelet");
    static final Duration PROMOTE_TIMEOUT = Duration.ofMinutes(4);
    static final String DATA_MARKER = "/var/lib/etcd/member";
    private final InstallRun run;
    private final ComponentApplier applier = new ComponentApplier();

    public EtcdJoinPhase(InstallRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "etcd-join";
    }

    @Override
    public String title() {
        return "New etcd members: added as learners and promoted, one at a time";
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
        Optional<EtcdMembers> client = runningCluster(ctx);
        if (client.isEmpty()) {
            return;
        }
        recordFirstCluster(ctx, client.get());
        for (Host m : toJoin(ctx, client.get())) {
            join(ctx, client.get(), m);
        }
    }

    /**
     * Records, once, the initial cluster the first install's members were started with (those without a join record
     * that the running cluster lists, in inventory order, as rendered then): removing one of them later must not
     * change the others' manifests.
     */
    static void recordFirstCluster(RunContext ctx, EtcdMembers client) {
        Inventory inv = ctx.inventory();
        if (EtcdJoins.readFirst(inv).isPresent()) {
            return;
        }
        List<EtcdMembers.Member> members = client.list();
        // as RenderContext made it: name=peer URL of each, in inventory order
        String initial = inv.etcdMembers().stream()
                .filter(h -> !EtcdJoins.has(inv, h) && EtcdMembers.byPeerUrl(members, EtcdMembers.peerUrl(h)).isPresent())
                .map(h -> h.name() + "=" + EtcdMembers.peerUrl(h))
                .collect(java.util.stream.Collectors.joining(","));
        if (!initial.isEmpty()) {
            EtcdJoins.writeFirst(ctx.stateLock(), initial);
        }
    }

    @Override
    public void dryRun(RunContext ctx) {
        Optional<EtcdMembers> client = runningCluster(ctx);
        if (client.isEmpty()) {
            return;
        }
        for (Host m : toJoin(ctx, client.get())) {
            ctx.plan().change(m.name(), title(), "etcd member add --learner " + EtcdMembers.peerUrl(m)
                    + ", start its etcd with --initial-cluster-state=existing, promote it");
        }
    }

    /** The inventory's members that the cluster does not list as voting members, in inventory order. */
    private static List<Host> toJoin(RunContext ctx, EtcdMembers client) {
        List<EtcdMembers.Member> members = client.list();
        List<Host> out = new ArrayList<>();
        for (Host m : ctx.inventory().etcdMembers()) {
            Optional<EtcdMembers.Member> listed = EtcdMembers.byPeerUrl(members, EtcdMembers.peerUrl(m));
            if (listed.isEmpty() || listed.get().learner()) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * A client to a member of the running cluster, or empty on a first install (no member answers and none has data).
     * The first install's members are asked first: a member that joined later may be the one that is behind.
     */
    private Optional<EtcdMembers> runningCluster(RunContext ctx) {
        Inventory inv = ctx.inventory();
        List<Host> order = new ArrayList<>(inv.etcdMembers());
        order.sort(Comparator.comparing(h -> EtcdJoins.has(inv, h)));
        List<String> tried = new ArrayList<>();
        for (Host m : order) {
            try {
                EtcdMembers client = EtcdMembers.through(inv, m, ctx.connection(m));
                List<EtcdMembers.Member> members = client.list();
                Optional<EtcdMembers.Member> self = EtcdMembers.byPeerUrl(members, EtcdMembers.peerUrl(m));
                if (self.isPresent() && !self.get().learner()) {
                    ctx.console().detail("    etcd: " + members.size() + " members, asked through " + m.name());
                    return Optional.of(client);
                }
                tried.add(m.name() + ": not a voting member of the cluster it answers for");
            } catch (UnexpectedStateException e) {
                tried.add(m.name() + ": " + e.getMessage());
            }
        }
        List<String> withData = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        for (Host m : inv.etcdMembers()) {
            boolean data = ctx.connection(m).exec("test -d " + DATA_MARKER).exitCode() == 0;
            (data ? withData : fresh).add(m.name());
        }
        if (withData.isEmpty() || fresh.isEmpty()) {
            // a first install (all start together), or only known members to bring back (apply starts them)
            return Optional.empty();
        }
        throw new UnexpectedStateException("etcd has data on " + String.join(", ", withData) + " but no member answers,"
                + " so " + String.join(", ", fresh) + " cannot be added to it now:\n    " + String.join("\n    ", tried)
                + "\n  Bring etcd back first (installer apply -i INVENTORY with the new hosts left out of the inventory),"
                + " then add them.");
    }

    private void join(RunContext ctx, EtcdMembers client, Host m) {
        Inventory inv = ctx.inventory();
        RemoteHost remote = ctx.connection(m);
        String peerUrl = EtcdMembers.peerUrl(m);
        List<EtcdMembers.Member> members = client.list();
        Optional<EtcdMembers.Member> listed = EtcdMembers.byPeerUrl(members, peerUrl);
        if (listed.isEmpty()) {
            // data of an earlier membership (the host was removed) would make etcd start as that old member
            if (remote.exec("test -d " + DATA_MARKER).exitCode() == 0) {
                String aside = "/var/lib/etcd.kubeferry-stale-" + System.currentTimeMillis() / 1000;
                remote.execChecked("mv /var/lib/etcd " + aside);
                ctx.console().warn(m.name() + ": etcd data of an earlier membership moved to " + aside);
            }
            members.stream().filter(EtcdMembers.Member::learner).findFirst().ifPresent(l -> {
                throw new UnexpectedStateException("etcd already has a learner (" + (l.name().isEmpty() ? "not started"
                        : l.name()) + ", " + l.peerUrls() + ") and takes one at a time; promote or remove it first");
            });
            EtcdMembers.Added added = client.addLearner(peerUrl);
            String initial = EtcdMembers.initialCluster(added.members(), added.member().id(), m.name());
            EtcdJoins.write(ctx.stateLock(), m, initial);
            ctx.changed(m.name(), "added to etcd as a learner (" + peerUrl + ")");
            ctx.console().info("    " + m.name() + ": added to etcd as a learner (" + peerUrl + ")");
            listed = Optional.of(added.member());
        } else if (!EtcdJoins.has(inv, m)) {
            EtcdJoins.write(ctx.stateLock(), m, EtcdMembers.initialCluster(members, listed.get().id(), m.name()));
        }
        // rendered again: this member now starts "existing" with the recorded initial cluster
        run.setPlan(run.planner().plan(inv, ctx.allFacts()));
        for (RenderedCluster.Rendered r : run.plan().rendered().components()) {
            if (MEMBER_COMPONENTS.contains(r.component().name()) && r.component().enabled(inv)
                    && r.component().hosts(inv).contains(m)) {
                ComponentApplier.Report rep = applier.apply(remote, r.component(), m, r.output().filesFor(m.name()));
                rep.changedPaths().forEach(p -> ctx.changed(m.name(), "wrote " + p));
            }
        }
        promote(ctx, client, m, listed.get().id());
    }

    private static void promote(RunContext ctx, EtcdMembers client, Host m, String id) {
        long deadline = System.nanoTime() + PROMOTE_TIMEOUT.toNanos();
        String last = "";
        String line = String.format(java.util.Locale.ROOT, "    %-20s waiting for its etcd learner to catch up", m.name());
        try (var wait = ctx.console().waiting("etcd-join " + m.name(), line)) {
            while (System.nanoTime() < deadline) {
                Optional<EtcdMembers.Member> now = client.list().stream().filter(x -> x.id().equals(id)).findFirst();
                if (now.isEmpty()) {
                    throw new UnexpectedStateException("etcd member " + id + " (" + m.name() + ") was removed while it"
                            + " joined; run the command again");
                }
                if (!now.get().learner()) {
                    ctx.changed(m.name(), "etcd member promoted to voting member");
                    ctx.console().info("    " + m.name() + ": etcd member promoted to voting member");
                    return;
                }
                try {
                    client.promote(id);
                    continue; // the next list confirms it
                } catch (EtcdMembers.EtcdError e) {
                    last = e.getMessage();
                }
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HostFailureException(m.name(), "interrupted while waiting for its etcd learner");
                }
            }
        }
        throw new HostFailureException(m.name(), "its etcd learner was not promoted within " + PROMOTE_TIMEOUT.toMinutes()
                + " min; etcd's last answer: " + last + "; check its etcd (crictl logs / journalctl -u etcd) and run"
                + " the command again: the learner is kept and promoted then");
    }
}
