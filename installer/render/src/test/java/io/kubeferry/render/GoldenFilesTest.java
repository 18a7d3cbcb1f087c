package io.kubeferry.render;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.kubeferry.component.ImageSet;
import io.kubeferry.inventory.Inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole render tree of a 3 control-plane + 2 worker cluster, per supported minor version (VIP endpoint) and
 * for local-proxy mode, against reviewed golden trees in src/test/resources/golden/. YAML files are compared by
 * structure (parsed), everything else by text; the file list and modes come from index.txt.
 *
 * <p>After an intended template change, regenerate and review the diff:
 * {@code mvn -o -pl installer/render test -Dtest=GoldenFilesTest -Dkubeferry.golden.update=true; git diff templates installer/render/src/test/resources/golden}
 */
class GoldenFilesTest {
    @TempDir
    Path tmp;

    record Case(String name, Supplier<Inventory> inventory) {
    }

    static List<Case> cases() {
        return List.of(
                new Case("ha-vip-1.32", () -> Fixtures.ha().version("1.32.9").build()),
                new Case("ha-vip-1.33", () -> Fixtures.ha().version("1.33.5").build()),
                new Case("ha-vip-1.34", () -> Fixtures.ha().version("1.34.1").build()),
                new Case("local-proxy-1.34", () -> Fixtures.ha().version("1.34.1").localProxy().build()),
                new Case("etcd-host-service-1.34", () -> Fixtures.ha().version("1.34.1").etcdHostService(3).build()),
                new Case("etcd-external-1.33", () -> Fixtures.ha().version("1.33.5").externalEtcd().build()));
    }

    @TestFactory
    Stream<DynamicTest> renderedTreeMatchesGolden() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private void check(Case c) throws IOException {
        RenderService svc = new RenderService(TemplateSource.builtIn());
        Path out = tmp.resolve(c.name());
        Inventory inv = c.inventory().get();
        // a frozen image list: the goldens change when templates change, not when images/ is bumped
        Path list = TestSupport.repoRoot().resolve("installer/render/src/test/resources/images/kubernetes-"
                + inv.cluster().kubernetesVersion().minorVersion() + ".txt");
        ImageSet images = ImageSet.fromList(inv.cluster(), ImageSet.parseList(Files.readString(list)), list.toString());
        OutputTree.write(svc.renderAll(inv, RenderInputs.none().withClusterCa(TestSupport.FAKE_CA_PEM).withImages(images)), out);
        Path golden = TestSupport.repoRoot().resolve("installer/render/src/test/resources/golden").resolve(c.name());
        if (Boolean.getBoolean("kubeferry.golden.update")) {
            replace(golden, out);
            return;
        }
        assertEquals(files(golden), files(out), c.name() + ": file list differs from " + golden
                + " (regenerate with -Dkubeferry.golden.update=true and review the diff)");
        for (String rel : files(out)) {
            String expected = Files.readString(golden.resolve(rel));
            String actual = Files.readString(out.resolve(rel));
            String what = c.name() + ": " + rel + " differs from the golden file";
            if (rel.endsWith(".yaml") || rel.endsWith(".yml")) {
                List<Object> e = TestSupport.yamlDocs(expected);
                List<Object> a = TestSupport.yamlDocs(actual);
                if (!e.equals(a)) {
                    throw new AssertionError(what + " at " + firstDifference("", e, a)
                            + " (regenerate with -Dkubeferry.golden.update=true and review the diff)");
                }
            } else if (rel.equals("index.txt")) {
                assertEquals(withoutDigests(expected), withoutDigests(actual), what + " (paths or modes)");
            } else {
                assertEquals(expected, actual, what);
            }
        }
    }

    /** The YAML path of the first difference, e.g. {@code [0].spec.containers[0].resources.requests.cpu: 250m != 200m}. */
    static String firstDifference(String path, Object expected, Object actual) {
        if (expected instanceof java.util.Map<?, ?> em && actual instanceof java.util.Map<?, ?> am) {
            TreeSet<String> keys = new TreeSet<>();
            em.keySet().forEach(k -> keys.add(String.valueOf(k)));
            am.keySet().forEach(k -> keys.add(String.valueOf(k)));
            for (String k : keys) {
                if (!java.util.Objects.equals(em.get(k), am.get(k))) {
                    return firstDifference(path + "." + k, em.get(k), am.get(k));
                }
            }
        } else if (expected instanceof List<?> el && actual instanceof List<?> al) {
            for (int i = 0; i < Math.max(el.size(), al.size()); i++) {
                Object x = i < el.size() ? el.get(i) : "(missing)";
                Object y = i < al.size() ? al.get(i) : "(missing)";
                if (!java.util.Objects.equals(x, y)) {
                    return firstDifference(path + "[" + i + "]", x, y);
                }
            }
        }
        if (expected instanceof String es && actual instanceof String as && (es.contains("\n") || as.contains("\n"))) {
            List<String> el = es.lines().toList();
            List<String> al = as.lines().toList();
            for (int i = 0; i < Math.max(el.size(), al.size()); i++) {
                String x = i < el.size() ? el.get(i) : "(missing)";
                String y = i < al.size() ? al.get(i) : "(missing)";
                if (!x.equals(y)) {
                    return path + " line " + (i + 1) + ": golden '" + x + "' != rendered '" + y + "'";
                }
            }
        }
        return path + ": golden " + expected + " != rendered " + actual;
    }

    /** index.txt lines are "host mode sha256 path"; digests are byte-level, the YAML check is structural. */
    private static List<String> withoutDigests(String index) {
        return index.lines().map(l -> l.startsWith("#") ? l : l.replaceFirst("^(\\S+ \\S+) \\S+ ", "$1 ")).toList();
    }

    private static TreeSet<String> files(Path root) throws IOException {
        TreeSet<String> set = new TreeSet<>();
        if (!Files.isDirectory(root)) {
            return set;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(Files::isRegularFile).forEach(p -> set.add(root.relativize(p).toString()));
        }
        set.remove(OutputTree.MARKER);
        return set;
    }

    private static void replace(Path golden, Path out) throws IOException {
        if (Files.exists(golden)) {
            try (Stream<Path> s = Files.walk(golden)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(out)) {
            s.filter(Files::isRegularFile).forEach(all::add);
        }
        for (Path p : all) {
            if (p.getFileName().toString().equals(OutputTree.MARKER)) {
                continue;
            }
            Path target = golden.resolve(out.relativize(p).toString());
            Files.createDirectories(target.getParent());
            Files.copy(p, target);
        }
    }
}
