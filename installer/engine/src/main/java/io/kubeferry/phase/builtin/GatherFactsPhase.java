package io.kubeferry.phase.builtin;

import io.kubeferry.facts.FactsGatherer;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

/** Reads OS, arch, kernel, cgroups, swap, SELinux, disk, clock and ports from every host. */
public final class GatherFactsPhase extends HostPhase.ReadOnly {
    private final FactsGatherer gatherer = new FactsGatherer();

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
