package io.kubeferry.render;

import org.junit.jupiter.api.Test;
import java.nio.file.Path;

class SmokeTest {
    @Test
    void renders() {
        RenderService svc = new RenderService(TemplateSource.builtIn());
        RenderedCluster rc = svc.renderAll(Fixtures.ha().build(), RenderInputs.none().withClusterCa("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n".getBytes()));
        svc.save(rc, Path.of("/tmp/render-smoke"));
        RenderedCluster lp = svc.renderAll(Fixtures.ha().localProxy().version("1.32.4").build());
        svc.save(lp, Path.of("/tmp/render-smoke-lp"));
    }
}
