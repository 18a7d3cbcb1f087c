package io.kubeferry.install;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

import java.util.List;

/** {@code installer diagnose}: the checks a failed wait runs, on demand; a host with a cause found fails. */
public final class DiagnosePhase extends HostPhase.ReadOnly {
    private final String onlyHost;

    /** @param onlyHost a node's name, or null for every node */
    public DiagnosePhase(String onlyHost) {
        this.onlyHost = onlyHost;
    }

    @Override
    public String name() {
        return "diagnose";
    }

    @Override
    public String title() {
        return "Diagnose the nodes";
    }

    @Override
    public boolean runsAlone() {
        return false; // its command takes --host
    }

    @Override
    public void validate(Inventory inventory) {
        if (onlyHost != null && inventory.nodes().stream().noneMatch(h -> h.name().equals(onlyHost))) {
            throw new BadInputException("--host", "no node named '" + onlyHost + "' in " + inventory.source()
                    + "; nodes: " + String.join(", ", inventory.nodes().stream().map(Host::name).toList()));
        }
    }

    @Override
    public List<Host> hosts(RunContext ctx) {
        return ctx.inventory().nodes().stream().filter(h -> onlyHost == null || h.name().equals(onlyHost)).toList();
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        List<HostDiagnosis.Cause> causes = HostDiagnosis.diagnose(host, remote);
        if (!causes.isEmpty()) {
            throw new HostFailureException(host.name(), HostDiagnosis.describe(causes));
        }
        ctx.console().info("    " + host.name() + ": " + HostDiagnosis.describe(causes));
    }
}
