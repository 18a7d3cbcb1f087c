package io.kubeferry.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.cli.BundleBuilderCli;
import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.ProgressListener;
import io.kubeferry.builder.pack.BundleBuilder;
import io.kubeferry.builder.pack.BundlePacker;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryCredentials;
import io.kubeferry.builder.spec.BundleSpec;
import io.kubeferry.builder.support.FileServer;
import io.kubeferry.builder.support.Processes;
import io.kubeferry.errors.UnexpectedStateException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No bad bundle is called built, verify refuses what is unsafe with exit 3 (bundle-builder verify and the real
 * installer verify), spec paths are checked before any download, and no .part file is left behind.
 */
class BundleSafetyTest {
    @TempDir
    Path dir;

    record Cli(int exit, String out, String err) {
    }

    static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        try { // the commands print their reports on System.out/err
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            code = BundleBuilderCli.run(args, new PrintStream(out, true), new PrintStream(err, true));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A small bundle built with no network: one extra file, no runtime, no images. */
    Path smallBundle(String name) throws IOException {
        Files.writeString(dir.resolve("note.txt"), "a note\n");
        Path spec = dir.resolve(name + ".yaml");
        Files.writeString(spec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                files: [{path: extra/note.txt, source: note.txt}]
                """);
        Path out = dir.resolve(name + ".tar.gz");
        Cli r = cli("build", "-f", spec.toString(), "-o", out.toString(), "--no-runtime", "--cache", dir.resolve("cache").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        return out;
    }

    static List<String> parts(Path d) throws IOException {
        try (Stream<Path> walk = Files.walk(d)) {
            return walk.map(Path::toString).filter(p -> p.endsWith(".part")).toList();
        }
    }

    @Test
    void specPathsThatClimbOutOrTakeTheBundlesOwnNamesFailBeforeAnyDownload() throws Exception {
        try (FileServer server = new FileServer()) {
            server.put("/crictl.tar.gz", new byte[] {1, 2, 3});
            Files.writeString(dir.resolve("x.txt"), "x\n");
            Path spec = dir.resolve("evil.yaml");
            Files.writeString(spec, """
                    kubernetesVersion: 1.34.1
                    architectures: [amd64]
                    binaries:
                      - name: crictl
                        url: %s/crictl.tar.gz
                        sha256: {amd64: %s}
                        file: ../../../evil-crictl
                    files:
                      - {path: bundle.yaml, source: x.txt}
                      - {path: install, source: x.txt}
                    """.formatted(server.base(), "0".repeat(64)));
            Path out = dir.resolve("evil.tar.gz");
            Cli r = cli("build", "-f", spec.toString(), "-o", out.toString(), "--no-runtime", "--cache",
                    dir.resolve("cache").toString());
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains("evil.yaml:4:5 (binaries[0]): binary 'crictl': its file name '../../../evil-crictl'"
                    + " climbs out with '..'"), r.err());
            assertTrue(r.err().contains("evil.yaml:9:12 (files[0].path): 'bundle.yaml' is where the bundle's own bundle.yaml goes"),
                    r.err());
            assertTrue(r.err().contains("evil.yaml:10:12 (files[1].path): 'install' is where the bundle's own install goes"),
                    r.err());
            assertFalse(r.err().contains("Exception"), "no stack trace: " + r.err());
            assertEquals(List.of(), server.requests(), "nothing downloaded");
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void aBundleThatFailsItsOwnCheckIsNotCalledBuiltAndIsRemoved() throws Exception {
        // a spec made through the API, past SpecReader's checks: the packer writes what it is given, the check
        // after packing is what stops it
        Path source = Files.writeString(dir.resolve("x.txt"), "x\n");
        Map<String, String> said = Map.of("../../../evil-crictl", "files[0].path: '../../../evil-crictl' climbs out with '..'",
                "bundle.yaml", "kubeferry-1.34.1-linux-amd64/bundle.yaml: "); // the first of two is not the manifest
        for (String path : said.keySet()) {
            BundleSpec spec = new BundleSpec("1.34.1", List.of("amd64"), Map.of(), List.of(), List.of(), List.of(), List.of(),
                    List.of(new BundleSpec.ExtraFile(path, source, null, null, "test")), Map.of());
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                    ProgressListener.NONE, 2, Duration.ofMillis(10));
            BundleBuilder b = new BundleBuilder(d, new RegistryClient(RegistryClient.defaultClient(), d,
                    new RegistryCredentials(), h -> false), new BundlePacker(BundlePacker.Options.defaults()),
                    new PrintStream(new ByteArrayOutputStream()));
            Path out = dir.resolve("bad.tar.gz");
            var e = assertThrows(UnexpectedStateException.class,
                    () -> b.build(spec, new BundleBuilder.Inputs(null, null, null, null, 2), out));
            assertTrue(e.getMessage().contains("fails its own check, so it was removed")
                    && e.getMessage().contains(said.get(path)), e.getMessage());
            assertFalse(Files.exists(out));
            assertEquals(List.of(), parts(dir));
        }
    }

    /** Unpacks a good bundle, lets {@code change} alter the tree, packs it again with tar. */
    Path tampered(Path good, String name, String change) throws Exception {
        Path tree = Files.createDirectories(dir.resolve(name));
        Processes.run(List.of("tar", "-C", tree.toString(), "-xzf", good.toString()));
        Processes.run(List.of("sh", "-c", "cd " + tree + "/kubeferry-1.34.1-linux-amd64 && " + change));
        Path out = dir.resolve(name + ".tar.gz");
        Processes.run(List.of("tar", "-C", tree.toString(), "-czf", out.toString(), "kubeferry-1.34.1-linux-amd64"));
        return out;
    }

    @Test
    void verifyRefusesUnsafeAndDamagedBundlesWithExitThreeInBothVerifiers() throws Exception {
        Path good = smallBundle("good");
        Path installerJar = BundleBuildTest.installerJar();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path cut = dir.resolve("cut.tar.gz");
        byte[] bytes = Files.readAllBytes(good);
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        Map<Path, String> cases = new java.util.LinkedHashMap<>();
        cases.put(tampered(good, "symlink", "ln -s /etc/shadow extra/shadow"), "kubeferry-1.34.1-linux-amd64/extra/shadow");
        cases.put(tampered(good, "setuid", "chmod 4755 extra/note.txt"), "kubeferry-1.34.1-linux-amd64/extra/note.txt");
        cases.put(tampered(good, "fifo", "mkfifo extra/pipe"), "kubeferry-1.34.1-linux-amd64/extra/pipe");
        cases.put(dir.resolve("symlink/kubeferry-1.34.1-linux-amd64"), "extra/shadow"); // the unpacked directory
        cases.put(cut, "ends early");
        for (Map.Entry<Path, String> c : cases.entrySet()) {
            Cli r = cli("verify", c.getKey().toString());
            assertEquals(3, r.exit(), c.getKey() + ": " + r.out() + r.err());
            assertTrue(r.err().contains(c.getValue()), r.err());
            Processes.Result installer = Processes.exec(List.of(java, "-jar", installerJar.toString(), "verify",
                    c.getKey().toString()));
            assertEquals(3, installer.exit(), c.getKey() + ": " + installer.out() + installer.stderr());
            assertTrue((installer.out() + installer.stderr()).contains(c.getValue()), installer.out() + installer.stderr());
        }
        assertEquals(0, cli("verify", good.toString()).exit());
    }

    @Test
    void outputNamingADirectoryGetsTheBundleInsideAndNoPartFileIsLeft() throws Exception {
        Files.writeString(dir.resolve("note.txt"), "a note\n");
        Path spec = Files.writeString(dir.resolve("s.yaml"), """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                files: [{path: extra/note.txt, source: note.txt}]
                """);
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Cli r = cli("build", "-f", spec.toString(), "-o", outDir.toString(), "--no-runtime", "--cache",
                dir.resolve("cache").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(Files.isRegularFile(outDir.resolve("kubeferry-1.34.1-linux-amd64.tar.gz")), r.out());
        assertEquals(List.of(), parts(dir));
    }

    @Test
    void interruptedPackingLeavesNoPartFile() throws Exception {
        // 48 MB of random bytes deflated at level 9 on one thread: packing takes seconds, long enough to kill it
        byte[] big = new byte[48 << 20];
        new Random(41).nextBytes(big);
        Files.write(dir.resolve("big.bin"), big);
        Path spec = Files.writeString(dir.resolve("big.yaml"), """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                files: [{path: extra/big.bin, source: big.bin}]
                """);
        Path out = dir.resolve("big.tar.gz");
        Path part = dir.resolve("big.tar.gz.part");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), BundleBuilderCli.class.getName(),
                "build", "-f", spec.toString(), "-o", out.toString(), "--no-runtime", "--threads", "1", "--level", "9",
                "--cache", dir.resolve("cache").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("build.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(part) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(Files.exists(part) && p.isAlive(), "packing under way: " + Files.readString(dir.resolve("build.log")));
            p.destroy(); // SIGTERM, as Ctrl-C or a CI timeout sends
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertFalse(Files.exists(part), ".part left after an interrupt");
        assertFalse(Files.exists(out));
    }
}
