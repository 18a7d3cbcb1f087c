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

import java.nio.file.Path;
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
 * svc.save(rc, Path.of("out"));                                      // out/&lt;host&gt;/..., out/cluster/addons/*.yaml
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
     * @throws BadInputException for an unsupported version or CNI, a bad endpoint, or a template error
     */
    public RenderedCluster renderAll(Inventory inventory, RenderInputs inputs) {
        KubernetesVersion v = inventory.cluster().kubernetesVersion();
        if (!v.isSupported()) {
            throw new BadInputException("cluster.kubernetesVersion", "version " + v + " is not supported; "
                    + "templates exist for 1." + KubernetesVersion.MIN_SUPPORTED_MINOR + " to 1."
                    + KubernetesVersion.MAX_SUPPORTED_MINOR);
        }
        ImageSet images = inputs.images().orElseGet(() -> ImageSet.defaultsFor(inventory.cluster()));
        RenderContext ctx = new RenderContext(inventory, images, settings, engine, inputs.clusterCaPem(), inputs.hostFacts(),
                inputs.externalCa());
        List<Problem> problems = new ArrayList<>(checkExtraArgs(inventory));
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
        List<String> hosts = inventory.nodes().stream().map(Host::name).toList();
        Map<String, NodeMetadata> nodeMetadata = new LinkedHashMap<>();
        for (Host h : inventory.nodes()) {
            NodeMetadata m = NodeMetadata.forNode(inventory, h, settings);
            if (!m.isEmpty()) {
                nodeMetadata.put(h.name(), m);
            }
        }
        notes.addAll(NodeMetadata.notes(nodeMetadata.values(), hosts));
        return new RenderedCluster(rendered, hosts, Map.of(), notes, nodeMetadata);
    }

    /** Flag names and values end up on command lines and in YAML lists: keep them to what a flag can be. */
    private static List<Problem> checkExtraArgs(Inventory inventory) {
        List<Problem> problems = new ArrayList<>();
        inventory.cluster().extraArgs().forEach((component, args) -> {
            if (!RenderContext.ARG_COMPONENTS.contains(component)) {
                problems.add(Problem.error("cluster.extraArgs." + component, "unknown component; extra args are "
                        + "accepted for " + String.join(", ", RenderContext.ARG_COMPONENTS)));
            }
            args.forEach((name, value) -> {
                String where = "cluster.extraArgs." + component + "." + name;
                if (!FLAG_NAME.matcher(name).matches()) {
                    problems.add(Problem.error(where, "a flag name is lower-case letters, digits and dashes, without "
                            + "the leading '--' (e.g. audit-log-path)"));
                }
                if (value.contains("\n") || value.contains("\r")) {
                    problems.add(Problem.error(where, "a flag value must be one line"));
                }
            });
        });
        return problems;
    }

    private static final java.util.regex.Pattern FLAG_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9.-]*");

    /** Renders one component alone (for the phase runner re-running a single step). */
    public ComponentOutput render(Component component, Inventory inventory, RenderInputs inputs) {
        ImageSet images = inputs.images().orElseGet(() -> ImageSet.defaultsFor(inventory.cluster()));
        return component.render(new RenderContext(inventory, images, settings, engine, inputs.clusterCaPem(), inputs.hostFacts(),
                inputs.externalCa()));
    }

    /** Writes the review tree; see {@link OutputTree}. */
    public void save(RenderedCluster cluster, Path outDir) {
        OutputTree.write(cluster, outDir);
    }
}
