package io.kubeferry.phase.builtin;

import io.kubeferry.facts.FactsGatherer;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

/** Reads OS, arch, kernel, cgroups, swap, SELinux, disk, clock and ports from every host. */
public final class GatherFactsPhase extends HostPhase.ReadOnly {
    private final FactsGatherer gatherer = new FactsGatherer();
    private final java.util.Set<String> skipped;

    /** Every host of the inventory. */
    public GatherFactsPhase() {
        this(java.util.Set.of());
    }

    /** @param skipped hosts not to reach (remove-node --unreachable) */
    public GatherFactsPhase(java.util.Set<String> skipped) {
        this.skipped = java.util.Set.copyOf(skipped);
    }

    @Override
    public java.util.List<Host> hosts(RunContext ctx) {
        return ctx.inventory().hosts().stream().filter(h -> !skipped.contains(h.name())).toList();
    }

    @Override
    public String name() {
        return "gather-facts";
    }

    @Override
    public String title() {
        return "Gather facts";
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        ctx.putFacts(host.name(), gatherer.gather(remote));
    }
}
