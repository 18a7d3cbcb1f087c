package io.kubeferry.phase.builtin;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;

import java.util.List;
import java.util.Map;

/** Re-signs certificates in the local state directory (no host touched); remembers what changed per host. */
public final class RenewCertificatesPhase implements Phase {
    private final String name;
    private volatile Map<Host, List<HostFile>> changed = Map.of();

    public RenewCertificatesPhase(String name) {
        this.name = name;
    }

    @Override
    public String title() {
        return "Renew certificates (" + name + ")";
    }

    @Override
    public void run(RunContext ctx) {
        PkiService pki = new PkiService();
        PkiReport report = pki.renew(ctx.inventory(), name);
        report.with(PkiReport.Action.RENEWED).forEach(e -> ctx.console().info("    renewed  " + e.name()
                + (e.host() == null ? "" : " (" + e.host() + ")")));
        changed = pki.changedFilesByHost(ctx.inventory(), report);
    }

    @Override
    public void dryRun(RunContext ctx) {
        List<String> names = PkiService.ALL.equals(name) ? PkiService.renewableNames(ctx.inventory()) : List.of(name);
        names.forEach(n -> ctx.plan().change(DryRunPlan.CLUSTER, title(), "re-sign " + n + " with its CA"));
    }

    /** Per host, the files this run re-signed (empty before {@link #run}). */
    public Map<Host, List<HostFile>> changedFiles() {
        return changed;
    }
}
