package io.kubeferry.builder.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecReaderTest {
    @TempDir
    Path dir;

    static Path repoRoot() {
        return Path.of(System.getProperty("kubeferry.repo.root", "..")).toAbsolutePath().normalize();
    }

    @Test
    void defaultSpecsLoadWithUpstreamLocations() {
        for (String[] v : List.of(new String[] {"1.32", "1.32.9", "registry.k8s.io/etcd:3.5.16-0", "registry.k8s.io/pause:3.10"},
                new String[] {"1.33", "1.33.5", "registry.k8s.io/etcd:3.5.21-0", "registry.k8s.io/coredns/coredns:v1.12.0"},
                new String[] {"1.34", "1.34.1", "registry.k8s.io/etcd:3.6.4-0", "registry.k8s.io/pause:3.10.1"})) {
            BundleSpec s = new SpecReader().read(repoRoot().resolve("bundle-builder/specs/kubernetes-" + v[0] + ".yaml"));
            assertEquals(v[1], s.kubernetesVersion());
            List<String> refs = s.images().stream().map(BundleSpec.ImageSpec::reference).toList();
            assertTrue(refs.contains("registry.k8s.io/kube-apiserver:v" + v[1]), refs.toString());
            assertTrue(refs.contains(v[2]) && refs.contains(v[3]), refs.toString());
            assertEquals(10, refs.size());
            BundleSpec.BinarySpec kubelet = s.binaries().stream().filter(b -> b.name().equals("kubelet")).findFirst().orElseThrow();
            Map<String, String> vars = SpecReader.variables(s.kubernetesVersion(), s.versions(), kubelet, "amd64");
            assertEquals("https://dl.k8s.io/release/v" + v[1] + "/bin/linux/amd64/kubelet", Templates.expand(kubelet.url(), vars));
            assertEquals(7, s.binaries().size());
        }
    }

    @Test
    void mirrorsExtendAndExtraImagesApply() throws IOException {
        Files.writeString(dir.resolve("note.txt"), "x");
        Path spec = dir.resolve("mine.yaml");
        Files.writeString(spec, "extends: " + repoRoot().resolve("bundle-builder/specs/kubernetes-1.34.yaml") + "\n"
                + "mirrors:\n  - {prefix: registry.k8s.io/, replacement: harbor.corp/k8s/}\n"
                + "images: [harbor.corp/apps/tool:1.0]\nfiles: [{path: extra/note.txt, source: note.txt}]\n"
                + "registries: [{host: harbor.corp, username: robot, passwordEnv: HARBOR_PW}]\n");
        BundleSpec s = new SpecReader(k -> k.equals("HARBOR_PW") ? "pw" : null).read(spec);
        assertEquals(11, s.images().size());
        assertEquals("harbor.corp/k8s/pause:3.10.1", s.mirrored("registry.k8s.io/pause:3.10.1"));
        assertEquals("docker.io/library/haproxy:3.2-alpine", s.mirrored("docker.io/library/haproxy:3.2-alpine"));
        assertEquals("pw", s.registries().get(0).password().reveal());
        assertTrue(!s.registries().get(0).password().toString().contains("pw"));
        assertEquals(1, s.files().size());
    }

    @Test
    void everyProblemIsReportedWithFileLineAndPath() throws IOException {
        Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, """
                kubernetesVersion: one.two
                architectures: [amd64, s390x]
                binaries:
                  - name: kubelet
                    url: https://dl.k8s.io/v${kubernetesVersion}/${arhc}/kubelet
                    sha256Url: ${url}.sha256
                  - name: runc
                    url: https://example.test/runc
                images:
                  - Not_A/valid::ref
                imagesList: [x.txt]
                """);
        BadInputException e = assertThrows(BadInputException.class, () -> new SpecReader().read(spec));
        List<String> p = e.problems().stream().map(Problem::format).toList();
        String all = String.join("\n", p);
        assertTrue(all.contains("bad.yaml:1:20 (kubernetesVersion): 'one.two' is not a Kubernetes version"), all);
        assertTrue(all.contains("bad.yaml:2:16 (architectures): unsupported architecture 's390x'"), all);
        assertTrue(all.contains("bad.yaml:7:5 (binaries[1]): binary 'runc' has no checksum"), all);
        assertTrue(all.contains("bad.yaml:10:5 (images[0])"), all);
        assertTrue(all.contains("bad.yaml:11:1 (imagesList): unknown key 'imagesList'; did you mean 'imageLists'?"), all);
    }

    @Test
    void unknownTemplateVariableIsNamed() throws IOException {
        Path spec = dir.resolve("typo.yaml");
        Files.writeString(spec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                binaries:
                  - name: kubelet
                    url: https://dl.k8s.io/v${kubernetesVersion}/${arhc}/kubelet
                    sha256Url: ${url}.sha256
                """);
        BadInputException e = assertThrows(BadInputException.class, () -> new SpecReader().read(spec));
        String all = e.getMessage();
        assertTrue(all.contains("typo.yaml:4:5 (binaries[0]): binary 'kubelet': unknown variable ${arhc}"), all);
    }

    @Test
    void pathsThatClimbOutAreAbsoluteReservedOrTakenTwiceAreLocated() throws IOException {
        Files.writeString(dir.resolve("x.txt"), "x\n");
        Path spec = dir.resolve("paths.yaml");
        Files.writeString(spec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64, arm64]
                binaries:
                  - {name: crictl, url: "https://example.test/crictl", sha256Url: "${url}.sha256", file: "../crictl-${arch}"}
                  - {name: kubelet, url: "https://example.test/${arch}/kubelet", sha256Url: "${url}.sha256"}
                  - {name: kubelet2, url: "https://example.test/other/${arch}/kubelet", sha256Url: "${url}.sha256"}
                  - {name: dir, url: "https://example.test/dir/", sha256Url: "${url}.sha256"}
                files:
                  - {path: /etc/cron.d/evil, source: x.txt}
                  - {path: runtime/bin/java, source: x.txt}
                  - {path: templates, source: x.txt}
                  - {path: images/images.tar, source: x.txt}
                  - {path: extra//x, source: x.txt}
                  - {path: extra/a, source: x.txt}
                  - {path: extra/a, source: x.txt}
                  - {path: docs, source: x.txt}
                  - {path: docs/readme, source: x.txt}
                  - {path: install/x, source: x.txt}
                """);
        BadInputException e = assertThrows(BadInputException.class, () -> new SpecReader().read(spec));
        String all = String.join("\n", e.problems().stream().map(Problem::format).toList());
        for (String expected : List.of(
                "paths.yaml:4:5 (binaries[0]): binary 'crictl': its file name '../crictl-amd64' climbs out with '..'",
                "paths.yaml:6:5 (binaries[2]): 'bin/amd64/kubelet' is already in the bundle from ",
                "paths.yaml:7:5 (binaries[3]): binary 'dir': its file name '' is empty; the URL does not end in a file name",
                "paths.yaml:9:12 (files[0].path): '/etc/cron.d/evil' is absolute",
                "paths.yaml:10:12 (files[1].path): 'runtime/bin/java' is inside the runtime/ directory",
                "paths.yaml:11:12 (files[2].path): 'templates' is the templates/ directory",
                "paths.yaml:12:12 (files[3].path): 'images/images.tar' is where the bundle's own images/images.tar goes",
                "paths.yaml:13:12 (files[4].path): 'extra//x' has an empty or '.' component",
                "paths.yaml:15:5 (files[6]): 'extra/a' is already in the bundle from ",
                "paths.yaml:16:5 (files[7]): 'docs' is a file here, but ",
                "paths.yaml:18:12 (files[9].path): 'install/x' is under the bundle's own file install")) {
            assertTrue(all.contains(expected), expected + " not in:\n" + all);
        }
        assertEquals(12, e.problems().size(), all); // kubelet twice for each of the two architectures
    }
}
