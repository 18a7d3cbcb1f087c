package io.kubeferry.install;

import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * As kubeadm's upgrade ({@code --certificate-renewal=true}): every certificate and kubeconfig re-signed with the same
 * CAs, kubelet.conf aside (the kubelet rotates its own). Once per target version (a record in the state directory):
 * a resumed upgrade does not renew again. The new files reach the hosts with the distribute phase; each component
 * reads them when its host's turn restarts it.
 */
public final class UpgradeRenewPhase implements Phase {
    private final UpgradeRun run;
    private final PkiService pki;

    public UpgradeRenewPhase(UpgradeRun run, PkiService pki) {
        this.run = run;
        this.pki = pki;
    }

    @Override
    public String name() {
        return "upgrade-renew-certs";
    }

    @Override
    public String title() {
        return "Renew the certificates, as kubeadm's upgrade does";
    }

    private Path record() {
        return Path.of("upgrades", run.targetVersion().toString(), "certificates-renewed");
    }

    @Override
    public boolean shouldRun(RunContext ctx) {
        return !Files.isRegularFile(ctx.inventory().stateDir().resolve(record()));
    }

    @Override
    public void run(RunContext ctx) {
        PkiReport report = pki.renewForUpgrade(ctx.inventory(), ctx.stateLock());
        int renewed = report.with(PkiReport.Action.RENEWED).size();
        ctx.changed(DryRunPlan.CLUSTER, "renewed " + renewed + " certificates and kubeconfigs (kubelet.conf aside)");
        ctx.stateLock().write(record(), (java.time.Instant.now() + "\n").getBytes(StandardCharsets.UTF_8), 0600);
    }

    @Override
    public void dryRun(RunContext ctx) {
        ctx.plan().change(DryRunPlan.CLUSTER, title(), "re-sign every certificate and kubeconfig but kubelet.conf with its CA");
    }
}
