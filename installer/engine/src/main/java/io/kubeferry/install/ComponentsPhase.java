package io.kubeferry.install;

import io.kubeferry.apply.ComponentApplier;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.render.RenderedCluster;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Applies some components of the plan, in the plan's order, on some hosts: each component's files put
 * (unchanged ones skipped), its daemon started or restarted only when something it reads changed. The install's
 * runtime, control-plane and worker steps are instances of this with other components and hosts.
 */
public class ComponentsPhase extends HostPhase {
    private final String name;
    private final String title;
    protected final InstallRun run;
    private final Function<Inventory, List<Host>> hosts;
    private final Set<String> components;
    private final ComponentApplier applier = new ComponentApplier();

    public ComponentsPhase(String name, String title, InstallRun run, Function<Inventory, List<Host>> hosts,
                           Set<String> components) {
        this.name = name;
        this.title = title;
        this.run = run;
        this.hosts = hosts;
        this.components = Set.copyOf(components);
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
    public List<Host> hosts(RunContext ctx) {
        return hosts.apply(ctx.inventory());
    }

    /** Not for this cluster (e.g. etcd host services when etcd runs as static pods): said as skipped. */
    @Override
    public boolean shouldRun(RunContext ctx) {
        return !hosts(ctx).isEmpty();
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        for (RenderedCluster.Rendered r : placed(ctx, host)) {
            ComponentApplier.Report rep = applier.apply(remote, r.component(), host, r.output().filesFor(host.name()));
            rep.changedPaths().forEach(p -> ctx.changed(host.name(), "wrote " + p));
            rep.commands().stream().filter(c -> c.contains("restart")).forEach(c ->
                    ctx.changed(host.name(), r.component().name() + ": " + c));
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        if (!run.hasPlan()) {
            ctx.plan().change(host.name(), title, "write and start " + components + " (first install)");
            return;
        }
        for (RenderedCluster.Rendered r : placed(ctx, host)) {
            ComponentApplier.Report rep = applier.dryRun(remote, r.component(), host, r.output().filesFor(host.name()));
            rep.changedPaths().forEach(p -> ctx.plan().change(host.name(), title, r.component().name() + ": write " + p));
            if (!rep.changedPaths().isEmpty() || rep.commands().stream().anyMatch(c -> c.contains("restart"))) {
                rep.commands().forEach(c -> ctx.plan().change(host.name(), title, r.component().name() + ": run " + c));
            }
        }
    }

    /** The components of this phase that have this host, in the plan's order. */
    protected List<RenderedCluster.Rendered> placed(RunContext ctx, Host host) {
        return placed(run, ctx.inventory(), components, host);
    }

    /** Of the run's plan, the named components that this inventory enables on the host, in the plan's order. */
    static List<RenderedCluster.Rendered> placed(InstallRun run, Inventory inv, Set<String> components, Host host) {
        return run.plan().rendered().components().stream()
                .filter(r -> components.contains(r.component().name()))
                .filter(r -> r.component().enabled(inv) && r.component().hosts(inv).contains(host))
                .toList();
    }
}
