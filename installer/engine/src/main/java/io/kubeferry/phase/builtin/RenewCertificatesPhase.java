package io.kubeferry.phase.builtin;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.pki.CaKind;
import io.kubeferry.pki.PkiLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;

import java.util.List;

/** Re-signs certificates in the local state directory (no host touched); the push phase then moves them. */
public final class RenewCertificatesPhase implements Phase {
    private final PkiService pki;
    private final String name;

    public RenewCertificatesPhase(PkiService pki, String name) {
        this.pki = pki;
        this.name = name;
    }

    @Override
    public String name() {
        return "renew-certs";
    }

    /** Which certificates to renew is the command's argument: `installer certs renew NAME|all`. */
    @Override
    public boolean runsAlone() {
        return false;
    }

    @Override
    public String title() {
        return "Renew certificates (" + name + ")";
    }

    @Override
    public void validate(Inventory inventory) {
        if (!PkiService.ALL.equals(name) && !PkiService.renewableNames(inventory).contains(name)) {
            throw new BadInputException("certs renew " + name, "no certificate named '" + name + "'; use one of: all, "
                    + String.join(", ", PkiService.renewableNames(inventory)));
        }
        Path ca = PkiLayout.of(inventory).caCert(CaKind.KUBERNETES);
        if (!Files.exists(ca)) {
            throw new BadInputException(ca.toString(), "no PKI in the state directory yet; run 'installer certs generate' first");
        }
    }

    @Override
    public void run(RunContext ctx) {
        PkiReport report = pki.renew(ctx.inventory(), name, ctx.stateLock());
        report.with(PkiReport.Action.RENEWED).forEach(e -> ctx.console().info("    renewed  " + e.name()
                + (e.host() == null ? "" : " (" + e.host() + ")")));
    }

    /** Says what would be re-signed, and per host which files the push would then rewrite. */
    @Override
    public void dryRun(RunContext ctx) {
        List<String> names = PkiService.ALL.equals(name) ? PkiService.renewableNames(ctx.inventory()) : List.of(name);
        names.forEach(n -> ctx.plan().change(DryRunPlan.CLUSTER, title(), "re-sign " + n + " with its CA"));
        pki.pathsRenewedBy(ctx.inventory(), name).forEach((host, paths) -> paths.forEach(p ->
                ctx.plan().change(host.name(), title(), "rewrite " + p + " (re-signed)")));
    }
}
