package io.kubeferry.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleVerifierTest {
    @TempDir
    Path dir;

    private BundleManifest writeBundle() throws IOException {
        Files.createDirectories(dir.resolve("bin/amd64"));
        Files.writeString(dir.resolve("bin/amd64/kubelet"), "kubelet stand-in binary");
        Files.writeString(dir.resolve("README.md"), "# readme\n");
        BundleManifest m = new BundleManifest(1, "kubeferry-1.34.1-linux-amd64", "1.34.1", List.of("amd64"),
                Map.of("kubernetes", "1.34.1"), null,
                List.of(entry("README.md"), entry("bin/amd64/kubelet")),
                List.of(new BundleManifest.ImageEntry("registry.k8s.io/pause:3.10", "sha256:" + "a".repeat(64),
                        "application/vnd.oci.image.index.v1+json", "registry.k8s.io/pause:3.10", List.of("linux/amd64"))),
                List.of(new BundleManifest.Binary("kubelet", "amd64", "1.34.1", "bin/amd64/kubelet")));
        Files.write(dir.resolve("bundle.yaml"), BundleManifestYaml.toBytes(m));
        return m;
    }

    private BundleManifest.FileEntry entry(String p) throws IOException {
        return new BundleManifest.FileEntry(p, Files.size(dir.resolve(p)), Sha256.ofFile(dir.resolve(p)));
    }

    @Test
    void manifestRoundTripsAndIsDeterministic() throws IOException {
        BundleManifest m = writeBundle();
        BundleManifest back = BundleManifestYaml.read(dir.resolve("bundle.yaml"));
        assertEquals(m, back);
        assertEquals("bin/amd64/kubelet", back.binary("kubelet", "amd64").orElseThrow().path());
        assertEquals(new String(BundleManifestYaml.toBytes(m), StandardCharsets.UTF_8),
                new String(BundleManifestYaml.toBytes(back), StandardCharsets.UTF_8));
    }

    @Test
    void intactBundleIsOkAndUserFilesAreOnlyNoted() throws IOException {
        writeBundle();
        Files.writeString(dir.resolve("inventory.yaml"), "hosts: []\n");
        VerificationReport r = new BundleVerifier().verifyDirectory(dir);
        assertTrue(r.ok(), r.format());
        assertEquals(VerificationReport.Kind.UNEXPECTED, r.issues().get(0).kind());
    }

    @Test
    void reportsTamperedTruncatedAndMissingByName() throws IOException {
        writeBundle();
        Files.writeString(dir.resolve("bin/amd64/kubelet"), "kubelet stand-in binarY"); // same size, other bytes
        Files.writeString(dir.resolve("README.md"), "# re");
        VerificationReport r = new BundleVerifier().verifyDirectory(dir);
        assertEquals(List.of("README.md: TRUNCATED", "bin/amd64/kubelet: TAMPERED"),
                r.failures().stream().map(i -> i.path() + ": " + i.kind()).toList());
        assertTrue(r.format().contains("bin/amd64/kubelet: tampered (expected sha256 "), r.format());
        Files.delete(dir.resolve("README.md"));
        assertEquals(VerificationReport.Kind.MISSING, new BundleVerifier().verifyDirectory(dir).failures().get(0).kind());
    }

    @Test
    void archiveWithOrWithoutTopDirectoryIsVerifiedInOnePass() throws Exception {
        writeBundle();
        for (String layout : List.of("top", "flat")) {
            Path archive = dir.resolveSibling(dir.getFileName() + "-" + layout + ".tar.gz");
            String cmd = layout.equals("top")
                    ? "tar -C " + dir.getParent() + " -czf " + archive + " " + dir.getFileName()
                    : "tar -C " + dir + " -czf " + archive + " .";
            assertEquals(0, new ProcessBuilder("sh", "-c", cmd).inheritIO().start().waitFor());
            VerificationReport r = new BundleVerifier().verifyArchive(archive);
            assertTrue(r.ok(), layout + ": " + r.format());
            Files.delete(archive);
        }
        Files.writeString(dir.resolve("README.md"), "# changed\n");
        Path archive = dir.resolveSibling(dir.getFileName() + "-bad.tar.gz");
        assertEquals(0, new ProcessBuilder("sh", "-c", "tar -C " + dir + " -czf " + archive + " .").start().waitFor());
        VerificationReport r = new BundleVerifier().verifyArchive(archive);
        assertEquals(List.of("README.md"), r.failures().stream().map(VerificationReport.FileIssue::path).toList());
        Files.delete(archive);
    }

    @Test
    void badManifestIsNamed() throws IOException {
        writeBundle();
        Files.writeString(dir.resolve("bundle.yaml"), Files.readString(dir.resolve("bundle.yaml"))
                .replaceFirst("sha256: [0-9a-f]+", "sha256: nothex"));
        var e = assertThrows(BundleFormatException.class, () -> new BundleVerifier().verifyDirectory(dir));
        assertTrue(e.getMessage().contains("files[0].sha256"), e.getMessage());
    }
}
