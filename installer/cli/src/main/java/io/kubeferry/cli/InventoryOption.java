package io.kubeferry.cli;

import io.kubeferry.errors.Problem;
import io.kubeferry.files.StateDirectory;
import io.kubeferry.files.StateLock;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.InventoryLoader;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** The -i option of commands that work on local state only (no hosts touched). */
public final class InventoryOption {
    @Option(names = {"-i", "--inventory"}, required = true, paramLabel = "FILE",
            description = "The inventory YAML describing the cluster and its hosts.")
    Path file;

    @Option(names = "--wait", description = "When another command is changing this cluster's state directory,"
            + " wait for it to finish instead of stopping.")
    boolean waitForLock;

    /** The lock of the cluster's state directory, for a command that changes it; held until closed. */
    StateLock lockState(Inventory inventory, String command, PrintWriter err) {
        return StateDirectory.open(inventory.stateDir()).lock(command, waitForLock, line -> {
            err.println(line);
            err.flush();
        });
    }

    /** Loads and validates; warnings go to {@code err}, errors throw (exit 2). */
    Inventory load(PrintWriter err) {
        InventoryLoader.Loaded loaded = new InventoryLoader().read(file, InventoryLoader.Use.LOCAL);
        for (Problem w : loaded.warnings()) {
            err.println("warning: " + w.where() + ": " + w.message());
        }
        err.flush();
        return loaded.inventory();
    }
}
