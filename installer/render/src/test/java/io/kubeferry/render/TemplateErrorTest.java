package io.kubeferry.render;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An operator edits a bundle's templates; mistakes come back as located, readable input errors. */
class TemplateErrorTest {
    @TempDir
    Path tmp;
    Path templates;

    @BeforeEach
    void copyBuiltInTemplates() throws IOException {
        Path src = TestSupport.repoRoot().resolve("templates");
        templates = tmp.resolve("bundle/templates");
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Path t = templates.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    @Test
    void unmodifiedBundleCopyRendersLikeTheBuiltIn() {
        RenderedCluster fromDir = new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build());
        RenderedCluster builtIn = new RenderService(TemplateSource.builtIn()).renderAll(Fixtures.ha().build());
        assertEquals(builtIn.filesFor("cp1"), fromDir.filesFor("cp1"));
        assertEquals(builtIn.addons(), fromDir.addons());
    }

    @Test
    void editedTemplateIsUsed() throws IOException {
        edit("kernel/sysctl.conf.ftl", "net.ipv4.ip_forward = 1", "net.ipv4.ip_forward = 1\nvm.max_map_count = 262144");
        RenderedCluster rc = new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build());
        assertTrue(EndpointTest.text(rc, Fixtures.ha().build().hosts().get(0), "/etc/sysctl.d/99-kubeferry.conf")
                .contains("vm.max_map_count = 262144"));
    }

    @Test
    void missingValueNamesTemplateLineAndName() throws IOException {
        Path file = edit("kube-scheduler/kube-scheduler.yaml.ftl", "  name: kube-scheduler\n  namespace: kube-system",
                "  name: kube-scheduler\n  namespace: ${cluster.schedulerNamespace}");
        int line = lineOf(file, "cluster.schedulerNamespace");
        Problem p = onlyProblem(() -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertEquals(file + ":" + line, p.where());
        assertTrue(p.message().contains("'cluster.schedulerNamespace'"), p.message());
        assertTrue(p.message().contains("has no value"), p.message());
    }

    @Test
    void missingValueInAnIncludedTemplateNamesThatTemplate() throws IOException {
        Path file = edit("kubelet/config.yaml.ftl", "healthzPort: 10248", "healthzPort: ${settings.healthzPort}");
        BadInputException e = assertThrows(BadInputException.class,
                () -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        // kubelet (per host) and cluster-config (includes it) both fail, each naming the kubelet template
        for (Problem p : e.problems()) {
            assertEquals(file + ":" + lineOf(file, "settings.healthzPort"), p.where());
            assertTrue(p.message().contains("'settings.healthzPort'"), p.message());
        }
        assertTrue(e.problems().size() >= 2, e.getMessage());
    }

    @Test
    void badSyntaxNamesTemplateAndLine() throws IOException {
        // in the flags both etcd templates include: the error names the included file
        Path file = edit("etcd/args.ftl", "<#if etcd.atLeast36>", "<#if etcd.atLeast36");
        Problem p = onlyProblem(() -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertTrue(p.where().startsWith(file.toString() + ":"), p.where());
        assertTrue(p.message().startsWith("template syntax error"), p.message());
    }

    @Test
    void templateThatRendersBrokenYamlIsCaughtWithFileAndLine() throws IOException {
        edit("kube-scheduler/kube-scheduler.yaml.ftl", "    name: kube-scheduler\n", "    name: kube-scheduler\n   bad: [\n");
        BadInputException e = assertThrows(BadInputException.class,
                () -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertEquals(3, e.problems().size(), e.getMessage()); // one per control-plane node
        Problem p = e.problems().get(0);
        assertEquals("component kube-scheduler, cp1:/etc/kubernetes/manifests/kube-scheduler.yaml", p.where());
        assertTrue(p.message().contains("not valid YAML (line "), p.message());
        assertTrue(p.message().contains("templates/kube-scheduler/"), p.message());
    }

    @Test
    void brokenConfigInsideAConfigMapIsCaught() throws IOException {
        edit("flannel/flannel.yaml.ftl", "\"EnableNFTables\": false,", "\"EnableNFTables\": false,,");
        Problem p = onlyProblem(() -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertEquals("component flannel, addon flannel, ConfigMap kube-flannel-cfg key net-conf.json", p.where());
    }

    @Test
    void objectConstructionIsRefused() throws IOException {
        edit("kernel/modules-load.conf.ftl", "overlay",
                "<#assign ex = \"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}\noverlay");
        Problem p = onlyProblem(() -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertTrue(p.where().contains("modules-load.conf.ftl:"), p.where());
        assertTrue(p.message().contains("template error"), p.message());
    }

    @Test
    void apiBuiltinIsRefused() throws IOException {
        edit("kernel/modules-load.conf.ftl", "overlay", "${cluster?api.getClass()}\noverlay");
        Problem p = onlyProblem(() -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertTrue(p.where().contains("modules-load.conf.ftl:"), p.where());
    }

    @Test
    void symlinkOutOfTheTemplatesDirectoryIsNotFollowed() throws IOException {
        Path secret = Files.writeString(tmp.resolve("outside-secret.txt"), "not for templates");
        Files.createSymbolicLink(templates.resolve("kernel/evil.ftl"), secret);
        edit("kernel/modules-load.conf.ftl", "overlay", "<#include \"/kernel/evil.ftl\">\noverlay");
        Problem p = onlyProblem(() -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertTrue(p.where().endsWith("modules-load.conf.ftl"), p.where());
        assertTrue(p.message().contains("outside the templates directory"), p.message());
        assertTrue(!p.message().contains("not for templates"), p.message());
    }

    @Test
    void missingTemplateIsNamed() throws IOException {
        Files.delete(templates.resolve("coredns/coredns.yaml.ftl"));
        Problem p = onlyProblem(() -> new RenderService(TemplateSource.directory(templates)).renderAll(Fixtures.ha().build()));
        assertTrue(p.where().endsWith("coredns/coredns.yaml.ftl"), p.where());
        assertTrue(p.message().contains("template not found"), p.message());
    }

    @Test
    void missingTemplatesDirectoryIsAnInputError() {
        assertThrows(BadInputException.class, () -> TemplateSource.directory(tmp.resolve("nope")));
    }

    private Path edit(String name, String from, String to) throws IOException {
        Path p = templates.resolve(name);
        String s = Files.readString(p);
        assertTrue(s.contains(from), "fixture text not in " + name + ": " + from);
        Files.writeString(p, s.replace(from, to));
        return p;
    }

    private static int lineOf(Path file, String needle) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError(needle + " not in " + file);
    }

    private static Problem onlyProblem(Runnable r) {
        BadInputException e = assertThrows(BadInputException.class, r::run);
        assertEquals(1, e.problems().size(), e.getMessage());
        return e.problems().get(0);
    }
}
