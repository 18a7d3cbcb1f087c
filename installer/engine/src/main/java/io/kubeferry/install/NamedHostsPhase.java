package io.kubeferry.install;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

import java.util.List;

/**
 * {@code installer add-node NAME...}: the names must be hosts of the inventory (the inventory is the desired state:
 * a host is added by listing it there; the command names which ones the user means, and the apply that follows
 * joins them). Checked before anything is done (exit 2, naming the unknown ones).
 */
public final class NamedHostsPhase implements ReadOnlyPhase {
    private final List<String> names;

    public NamedHostsPhase(List<String> names) {
        this.names = List.copyOf(names);
    }

    @Override
    public String name() {
        return "check-named-hosts";
    }

    @Override
    public String title() {
        return "The named hosts are in the inventory";
    }

    @Override
    public boolean runsAlone() {
        return false;
    }

    @Override
    public void validate(Inventory inventory) {
        List<String> unknown = names.stream().filter(n -> inventory.host(n).isEmpty()).toList();
        if (!unknown.isEmpty()) {
            throw new BadInputException(inventory.source().getFileName() + " (hosts)", "no host " + String.join(", ", unknown)
                    + " in the inventory: add " + (unknown.size() == 1 ? "it" : "them") + " under hosts: first (name, address,"
                    + " roles), then run add-node again; the inventory has " + String.join(", ",
                    inventory.hosts().stream().map(Host::name).toList()));
        }
    }

    @Override
    public void run(RunContext ctx) {
        ctx.console().detail("    adding " + String.join(", ", names) + " (with every other change the inventory asks for)");
    }
}
