package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;

/**
 * A component made only of cluster objects applied through the API: nothing on hosts, so run and clean on a
 * host do nothing (the install phase applies {@link ComponentOutput#addons()}; reset deletes the cluster).
 */
public abstract class AddonComponent implements Component {
    @Override
    public List<Host> hosts(Inventory inventory) {
        return List.of();
    }

    /** Renders one addon from one template with the cluster model. */
    protected Addon addon(RenderContext c, String name, String template) {
        return new Addon(name, c.render(template));
    }
}
