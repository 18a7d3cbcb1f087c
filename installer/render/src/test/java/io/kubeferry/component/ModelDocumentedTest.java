package io.kubeferry.component;

import io.kubeferry.inventory.Inventory;
import io.kubeferry.render.FixturesAccess;
import io.kubeferry.render.TemplateEngine;
import io.kubeferry.render.TemplateSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every name the model gives templates is documented in templates/README.md, where operators look. */
class ModelDocumentedTest {
    @Test
    void everyModelNameIsInTheTemplatesReadme() throws IOException {
        String root = System.getProperty("kubeferry.repo.root", "../..");
        String readme = Files.readString(Path.of(root, "templates", "README.md"));
        Inventory inv = FixturesAccess.localProxy();
        RenderContext ctx = new RenderContext(inv, ImageSet.defaultsFor(inv.cluster()), RenderSettings.defaults(),
                new TemplateEngine(TemplateSource.builtIn()), Optional.of(new byte[] {1}));
        List<String> names = new ArrayList<>();
        collect("", ctx.clusterModel(), names);
        collect("host", ctx.hostModel(inv.hosts().get(0)), names);
        List<String> missing = names.stream().filter(n -> !readme.contains(n.substring(n.lastIndexOf('.') + 1))).toList();
        assertEquals(List.of(), missing, "document these in templates/README.md");
    }

    private static void collect(String prefix, Object node, List<String> out) {
        if (prefix.startsWith("extraArgs.") || prefix.matches("(host|controlPlanes|workers)\\.labels\\..*")) {
            return; // keys come from the inventory
        }
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> collect(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out));
            if (!prefix.isEmpty()) {
                out.add(prefix);
            }
        } else if (node instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?>) {
            collect(prefix, l.get(0), out);
        } else {
            out.add(prefix);
        }
    }
}
