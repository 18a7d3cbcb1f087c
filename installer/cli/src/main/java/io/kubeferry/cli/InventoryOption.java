package io.kubeferry.cli;

import io.kubeferry.errors.Problem;
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
