package io.kubeferry.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.support.FileServer;
import io.kubeferry.builder.support.LocalRegistry;
import io.kubeferry.builder.support.OciImages;
import io.kubeferry.bundle.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bundle-builder check} against a real docker-registry (a two-platform index) and the local file server: found
 * things get an ok row with their digest, a 404 URL and a missing tag get a MISSING row each, and no binary or
 * layer is downloaded.
 */
class CheckCommandTest {
    @TempDir
    Path dir;

    @Test
    void resolvesEveryUrlAndTagWithoutDownloadingAndNamesWhatIsMissing() throws Exception {
        try (FileServer files = new FileServer();
             LocalRegistry registry = LocalRegistry.start(dir.resolve("reg"), null, null)) {
            OciImages.Layer base = OciImages.busyboxLayer();
            OciImages.write(dir.resolve("oci/multi"), "1", List.of(
                    new OciImages.Image("amd64", List.of(base), List.of("/bin/busybox")),
                    new OciImages.Image("arm64", List.of(OciImages.textLayer("m.txt", "arm64\n")), List.of("/bin/cat"))));
            registry.push(dir.resolve("oci/multi"), "1", "test/multi", null);
            byte[] kubelet = BundleBuildTest.randomBytes(500_000, 4);
            files.put("/k/amd64/kubelet", kubelet);
            files.put("/k/amd64/kubelet.sha256", Sha256.ofBytes(kubelet).getBytes(StandardCharsets.UTF_8));
            files.put("/k/arm64/kubelet", kubelet);
            files.put("/k/arm64/kubelet.sha256", Sha256.ofBytes(kubelet).getBytes(StandardCharsets.UTF_8));
            Path spec = dir.resolve("spec.yaml");
            Files.writeString(spec, """
                    kubernetesVersion: 1.34.1
                    architectures: [amd64, arm64]
                    binaries:
                      - {name: kubelet, url: "%1$s/k/${arch}/kubelet", sha256Url: "${url}.sha256"}
                      - {name: crictl, url: "%1$s/nope/crictl-${arch}.tar.gz", sha256: {amd64: %3$s, arm64: %3$s}}
                    images:
                      - %2$s/test/multi:1
                      - %2$s/test/multi:no-such-tag
                    """.formatted(files.base(), registry.host(), "0".repeat(64)));
            int logBefore = registry.log().length(); // skopeo's push is in the log too
            BundleRuntimeTest.Cli r = BundleRuntimeTest.cli("check", "-f", spec.toString(), "--cache",
                    dir.resolve("cache").toString());
            String table = r.out();
            assertEquals(2, r.code(), table + r.err());
            String multiDigest = registry.digest("test/multi", "1");
            assertTrue(table.lines().anyMatch(l -> l.startsWith("ok ") && l.contains("kubelet") && l.contains("amd64")
                    && l.contains("sha256 " + Sha256.ofBytes(kubelet).substring(0, 12))), table);
            assertTrue(table.lines().anyMatch(l -> l.startsWith("ok ") && l.contains("test/multi:1") && l.contains("linux/arm64")
                    && l.contains(multiDigest)), table);
            assertTrue(table.lines().anyMatch(l -> l.startsWith("ok ") && l.contains("test/multi:1") && l.contains("linux/amd64")),
                    table);
            assertTrue(table.lines().anyMatch(l -> l.startsWith("MISSING") && l.contains("crictl") && l.contains("amd64")
                    && l.contains("HTTP 404")), table);
            assertTrue(table.lines().anyMatch(l -> l.startsWith("MISSING") && l.contains("test/multi:no-such-tag")
                    && l.contains("not found")), table);
            assertTrue(table.contains("7 checked: 4 ok, 3 missing, 0 failed"), table);
            // nothing but HEADs, one-byte probes and checksum files reached the file server; no layer from the registry
            assertTrue(files.requests().stream().noneMatch(q -> q.equals("GET /k/amd64/kubelet")), files.requests().toString());
            String checkLog = registry.log().substring(logBefore);
            assertTrue(checkLog.contains("/manifests/1"), "the registry log shows the check: " + checkLog);
            assertTrue(checkLog.lines().noneMatch(l -> l.contains("/blobs/" + base.digest())), "no layer pulled: " + checkLog);
        }
    }
}
