package io.kubeferry.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.cli.BundleBuilderCli;
import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.ProgressListener;
import io.kubeferry.builder.pack.BundleBuilder;
import io.kubeferry.builder.pack.BundlePacker;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryCredentials;
import io.kubeferry.builder.spec.SpecReader;
import io.kubeferry.builder.support.FileServer;
import io.kubeferry.builder.support.LocalRegistry;
import io.kubeferry.builder.support.OciImages;
import io.kubeferry.builder.support.Processes;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many cold builds of a spec where one digest is wanted several times at once: one image under three tags (same
 * config and layers) and one file named by two binaries. Within one build and across build processes sharing one
 * cache, every build must succeed with the same bytes (before the fix, 6 of 30 cold builds and 17 of 24 shared-cache
 * builds failed with NoSuchFileException on partial/ or a false checksum mismatch).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheRaceTest {
    @TempDir
    static Path work;
    LocalRegistry registry;
    FileServer files;
    Path spec;

    @BeforeAll
    void setUp() throws Exception {
        registry = LocalRegistry.start(work.resolve("reg"), null, null);
        files = new FileServer();
        OciImages.Layer base = OciImages.busyboxLayer();
        OciImages.Layer data = OciImages.dataLayer("data", 1_500_000, 31);
        for (String tag : List.of("1", "2", "3")) {
            OciImages.write(work.resolve("oci-" + tag), tag, List.of(new OciImages.Image("amd64",
                    List.of(base, data), List.of("/bin/busybox", "true"))));
            registry.push(work.resolve("oci-" + tag), tag, "race/app", null);
        }
        assertEquals(registry.digest("race/app", "1"), registry.digest("race/app", "3"), "one image under three tags");
        byte[] tool = new byte[1_200_000];
        new Random(32).nextBytes(tool);
        files.put("/tool", tool);
        spec = work.resolve("race.yaml");
        Files.writeString(spec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                binaries:
                  - {name: tool, url: "%1$s/tool", file: tool, sha256: {amd64: %2$s}}
                  - {name: tool-again, url: "%1$s/tool", file: tool-again, sha256: {amd64: %2$s}}
                images:
                  - %3$s/race/app:1
                  - %3$s/race/app:2
                  - %3$s/race/app:3
                """.formatted(files.base(), Sha256.ofBytes(tool), registry.host()));
    }

    @AfterAll
    void tearDown() {
        if (files != null) {
            files.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void oneDigestWantedThriceInOneColdBuildTwentyTimes() throws Exception {
        byte[] first = null;
        for (int round = 0; round < 20; round++) {
            Path cache = work.resolve("cache-" + round);
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(cache), ProgressListener.NONE, 3,
                    Duration.ofMillis(10));
            BundleBuilder b = new BundleBuilder(d, new RegistryClient(RegistryClient.defaultClient(), d,
                    new RegistryCredentials(), h -> false), new BundlePacker(BundlePacker.Options.defaults()),
                    new PrintStream(new ByteArrayOutputStream()));
            Path out = work.resolve("out-" + round + ".tar.gz");
            b.build(new SpecReader().read(spec), new BundleBuilder.Inputs(null, null, null, null, 4), out);
            assertTrue(new BundleVerifier().verifyArchive(out).ok(), "round " + round);
            byte[] bytes = Files.readAllBytes(out);
            if (first == null) {
                first = bytes;
            } else {
                assertEquals(-1, java.util.Arrays.mismatch(first, bytes), "round " + round + " differs");
            }
            Files.delete(out);
        }
    }

    @Test
    void threeBuildProcessesOnOneColdCacheFiveTimes() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int round = 0; round < 5; round++) {
            Path cache = work.resolve("shared-cache-" + round);
            List<Process> builds = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path out = work.resolve("shared-" + round + "-" + i + ".tar.gz");
                outputs.add(out);
                builds.add(new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                        BundleBuilderCli.class.getName(), "build", "-f", spec.toString(), "-o", out.toString(),
                        "--no-runtime", "--cache", cache.toString(), "--parallel", "4")
                        .redirectErrorStream(true).redirectOutput(work.resolve("shared-" + round + "-" + i + ".log").toFile())
                        .start());
            }
            for (int i = 0; i < 3; i++) {
                Process p = builds.get(i);
                assertTrue(p.waitFor(3, TimeUnit.MINUTES), "build " + i + " of round " + round + " hangs");
                String log = Files.readString(work.resolve("shared-" + round + "-" + i + ".log"), StandardCharsets.UTF_8);
                assertEquals(0, p.exitValue(), "round " + round + ", build " + i + ":\n" + log);
            }
            for (Path out : outputs) {
                assertEquals(-1L, Files.mismatch(outputs.get(0), out), "shared-cache builds differ: " + out);
            }
            assertEquals(0, Processes.exec(List.of("gzip", "-t", outputs.get(0).toString())).exit());
        }
    }
}
