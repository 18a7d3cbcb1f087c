package io.kubeferry.render;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints how long rendering and saving take (a benchmark, not a test). Run after
 * {@code mvn -o -pl installer/render -am install -DskipTests; mvn -o -pl installer/render test-compile}, from
 * installer/render: {@code java -cp target/classes:target/test-classes:<core, freemarker, snakeyaml jars>
 * io.kubeferry.render.RenderBenchmark} (see README).
 */
public final class RenderBenchmark {
    public static void main(String[] args) throws Exception {
        RenderService svc = new RenderService(TemplateSource.builtIn());
        for (int[] size : new int[][] {{3, 2}, {3, 100}, {5, 500}}) {
            var inv = Fixtures.ha().size(size[0], size[1]).build();
            for (int i = 0; i < 3; i++) { // warm-up: template parsing and JIT
                svc.renderAll(inv);
            }
            int runs = 5;
            long t0 = System.nanoTime();
            RenderedCluster rc = null;
            for (int i = 0; i < runs; i++) {
                rc = svc.renderAll(inv);
            }
            double renderMs = (System.nanoTime() - t0) / 1e6 / runs;
            Path out = Files.createTempDirectory("render-bench");
            long t1 = System.nanoTime();
            OutputTree.write(rc, out);
            double saveMs = (System.nanoTime() - t1) / 1e6;
            RenderedCluster last = rc;
            long files = last.hosts().stream().mapToLong(h -> last.filesFor(h).size()).sum();
            System.out.printf("%d control planes + %d workers: %d files + %d addons, render %.1f ms, save %.1f ms%n",
                    size[0], size[1], files, rc.addons().size(), renderMs, saveMs);
        }
        long t = System.nanoTime();
        new RenderService(TemplateSource.builtIn()).renderAll(Fixtures.ha().build());
        System.out.printf("cold render (new engine, 3+2): %.1f ms%n", (System.nanoTime() - t) / 1e6);
    }
}
