package io.kubeferry.render;

import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the CLI does: load an inventory file, render. The YAML twin of the golden fixture renders the same tree. */
class InventoryYamlTest {
    @Test
    void yamlInventoryRendersLikeTheFixture() {
        Path file = TestSupport.repoRoot().resolve("installer/render/src/test/resources/inventories/ha-vip-1.34.yaml");
        Inventory fromYaml = InventoryLoader.load(file);
        Inventory fixture = Fixtures.ha().version("1.34.1").build();
        RenderService svc = new RenderService(TemplateSource.builtIn());
        RenderedCluster a = svc.renderAll(fromYaml);
        RenderedCluster b = svc.renderAll(fixture);
        assertEquals(b.hosts(), a.hosts());
        for (String h : b.hosts()) {
            assertEquals(b.filesFor(h), a.filesFor(h), h);
        }
        assertEquals(b.addons(), a.addons());
    }
}
