package io.kubeferry.phase.builtin;

import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.InventoryLoader;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;

import java.nio.file.Path;

/** Reads and validates the inventory; every problem is reported at once (exit 2). */
public final class LoadInventoryPhase implements Phase {
    private final Path file;

    public LoadInventoryPhase(Path file) {
        this.file = file;
    }

    @Override
    public String title() {
        return "Load inventory " + file;
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void run(RunContext ctx) {
        InventoryLoader.Loaded loaded = new InventoryLoader().read(file);
        for (Problem w : loaded.warnings()) {
            ctx.console().warn(w.where() + ": " + w.message());
        }
        ctx.setInventory(loaded.inventory());
        var inv = loaded.inventory();
        ctx.console().detail(String.format("    cluster %s, Kubernetes %s, %d hosts (%d control-plane, %d workers), endpoint %s",
                inv.cluster().name(), inv.cluster().kubernetesVersion(), inv.hosts().size(), inv.controlPlanes().size(),
                inv.workers().size(), inv.controlPlaneUrl()));
    }
}
