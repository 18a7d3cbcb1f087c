package io.kubeferry.render;

import io.kubeferry.component.Component;
import io.kubeferry.component.ComponentOutput;
import io.kubeferry.component.Components;
import io.kubeferry.component.ImageSet;
import io.kubeferry.component.NodeMetadata;
import io.kubeferry.component.RenderContext;
import io.kubeferry.component.RenderSettings;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders every component for an inventory and writes the review tree. Touches no host.
 *
 * <pre>
 * RenderService svc = new RenderService(TemplateSource.builtIn());   // or TemplateSource.directory(bundle/templates)
 * RenderedCluster rc = svc.renderAll(inventory);                     // or renderAll(inventory, inputs)
 * OutputTree.write(rc, Path.of("out"));                                // out/&lt;host&gt;/..., out/cluster/addons/*.yaml
 * </pre>
 */
public final class RenderService {
    private final TemplateEngine engine;
    private final RenderSettings settings;
    private final List<Component> components;

    public RenderService(TemplateSource templates) {
        this(templates, RenderSettings.defaults(), Components.standard());
    }

    public RenderService(TemplateSource templates, RenderSettings settings, List<Component> components) {
        this.engine = new TemplateEngine(templates);
        this.settings = settings;
        this.components = List.copyOf(components);
    }

    public RenderedCluster renderAll(Inventory inventory) {
        return renderAll(inventory, RenderInputs.none());
    }

    /**
     * Renders every enabled component. Problems from all components are gathered and thrown together.
     *
     * The inventory's own rules (version, CNI, endpoint, extra args, labels, roles) were checked by the
     * inventory loader, located in the file, before anything was written.
     *
     * @throws BadInputException for a template error (a bundle's templates)
     */
    public RenderedCluster renderAll(Inventory inventory, RenderInputs inputs) {
        KubernetesVersion v = inventory.cluster().kubernetesVersion();
        if (!v.isSupported()) {
            throw new IllegalStateException("Kubernetes " + v + " has no templates; the inventory loader refuses it");
        }
        ImageSet images = inputs.images().orElseGet(() -> ImageSet.defaultsFor(inventory.cluster()));
        RenderContext ctx = new RenderContext(inventory, images, settings, engine, inputs.clusterCaPem(), inputs.hostFacts(),
                inputs.externalCa(), inputs.etcdJoins(), inputs.etcdFirstCluster());
        List<Problem> problems = new ArrayList<>();
        List<RenderedCluster.Rendered> rendered = new ArrayList<>();
        for (Component c : Components.forInventory(components, inventory)) {
            try {
                rendered.add(new RenderedCluster.Rendered(c, c.render(ctx)));
            } catch (BadInputException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
        for (RenderedCluster.Rendered r : rendered) {
            problems.addAll(YamlCheck.check(r.component().name(), r.output()));
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
        List<String> notes = new ArrayList<>();
        for (String h : inputs.hostFacts().keySet()) {
            if (inventory.host(h).isEmpty()) {
                throw new IllegalArgumentException("facts for a host not in the inventory: " + h);
            }
        }
        if (inputs.clusterCaPem().isEmpty()) {
            notes.add("cluster-info addon not rendered: it embeds the cluster CA certificate, which comes from the PKI");
        }
        // every host: nodes, and etcd hosts of their own (host-service), which are no nodes
        List<String> hosts = inventory.hosts().stream().map(Host::name).toList();
        Map<String, NodeMetadata> nodeMetadata = new LinkedHashMap<>();
        for (Host h : inventory.nodes()) {
            NodeMetadata m = NodeMetadata.forNode(inventory, h, settings);
            if (!m.isEmpty()) {
                nodeMetadata.put(h.name(), m);
            }
        }
        notes.addAll(NodeMetadata.notes(nodeMetadata.values(), inventory.nodes().stream().map(Host::name).toList()));
        return new RenderedCluster(rendered, hosts, Map.of(), notes, nodeMetadata);
    }

    /** Renders one component alone (for the phase runner re-running a single step). */
    public ComponentOutput render(Component component, Inventory inventory, RenderInputs inputs) {
        ImageSet images = inputs.images().orElseGet(() -> ImageSet.defaultsFor(inventory.cluster()));
        return component.render(new RenderContext(inventory, images, settings, engine, inputs.clusterCaPem(), inputs.hostFacts(),
                inputs.externalCa(), inputs.etcdJoins(), inputs.etcdFirstCluster()));
    }

}
