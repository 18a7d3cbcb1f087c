package io.kubeferry.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.cli.BundleBuilderCli;
import io.kubeferry.builder.pack.ElfGlibc;
import io.kubeferry.builder.pack.JavaRuntimeLinker;
import io.kubeferry.builder.support.FileServer;
import io.kubeferry.builder.support.Processes;
import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.SafeExtractor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bundled runtime and its launcher, built the way users build: the CLI with no --jdk (so the default,
 * portable JDK is found), run from a directory that is not the repository root. Checks the runtime's glibc needs with
 * the real {@code objdump -T}, runs the real installer through {@code ./install} on it, and damages it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundleRuntimeTest {
    Path work;
    Path cache;
    Path bundle;
    Path extracted;
    String buildLog;
    FileServer files;

    @BeforeAll
    void setUp() throws Exception {
        work = Files.createTempDirectory(Path.of("/var/tmp"), "kf-runtime-test");
        files = new FileServer();
        cache = work.resolve("cache");
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, "kubernetesVersion: 1.34.1\narchitectures: [amd64]\n");
        bundle = work.resolve("out/bundle.tar.gz");
        Files.createDirectories(bundle.getParent());
        Cli r = cli("build", "-f", spec.toString(), "-o", bundle.toString(), "--installer-jar",
                BundleBuildTest.installerJar().toString(), "--cache", cache.toString());
        buildLog = r.err();
        assertEquals(0, r.code(), r.err());
        new SafeExtractor().extract(bundle, work.resolve("x"));
        extracted = work.resolve("x/kubeferry-1.34.1-linux-amd64");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (files != null) {
            files.close();
        }
        if (work != null && !Boolean.getBoolean("kubeferry.keep")) {
            Processes.exec(List.of("rm", "-rf", work.toString())).exit();
        }
    }

    record Cli(int code, String out, String err) {
    }

    static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = BundleBuilderCli.run(args, System.out, System.err);
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Every ELF file under dir. */
    static List<Path> elfFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                byte[] head = new byte[4];
                try (var in = Files.newInputStream(p)) {
                    if (in.read(head) == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void defaultRuntimeNeedsNoGlibcNewerThan217ByObjdump() throws Exception {
        List<Path> elves = elfFiles(extracted.resolve("runtime"));
        assertTrue(elves.size() >= 10, elves.toString()); // java, libjvm.so, libjava.so, ...
        Pattern version = Pattern.compile("GLIBC_(\\d+)\\.(\\d+)");
        ElfGlibc.Version newest = new ElfGlibc.Version(0, 0);
        List<String> tooNew = new ArrayList<>();
        for (Path elf : elves) {
            String dump = Processes.run(List.of("objdump", "-T", elf.toString()));
            ElfGlibc.Version fileMax = new ElfGlibc.Version(0, 0);
            for (Matcher m = version.matcher(dump); m.find(); ) {
                ElfGlibc.Version v = new ElfGlibc.Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                if (v.compareTo(JavaRuntimeLinker.PORTABLE_GLIBC) > 0) {
                    tooNew.add(extracted.relativize(elf) + " needs GLIBC_" + v);
                }
                fileMax = v.compareTo(fileMax) > 0 ? v : fileMax;
                newest = v.compareTo(newest) > 0 ? v : newest;
            }
            // the builder's own reader (used to fill in the launcher's check) agrees with objdump, file by file
            assertEquals(fileMax.major() == 0 ? Optional.empty() : Optional.of(fileMax), ElfGlibc.requiredByFile(elf),
                    elf.toString());
        }
        assertTrue(tooNew.isEmpty(), "symbols newer than glibc 2.17: " + tooNew);
        String launcher = Files.readString(extracted.resolve("install"));
        assertTrue(launcher.contains("runtime_glibc='" + newest + "'"), "the launcher checks what the runtime needs");
    }

    @Test
    void runtimeIsTrimmedAndCarriesAUsableCdsArchive() throws Exception {
        String release = Files.readString(extracted.resolve("runtime/release"));
        Matcher m = Pattern.compile("(?m)^MODULES=\"([^\"]*)\"").matcher(release);
        assertTrue(m.find(), release);
        List<String> modules = List.of(m.group(1).split(" "));
        assertTrue(modules.containsAll(JavaRuntimeLinker.MODULES), modules.toString());
        for (String absent : List.of("jdk.compiler", "jdk.jlink", "java.scripting", "jdk.jshell")) {
            assertFalse(modules.contains(absent), absent + " linked: " + modules);
        }
        try (Stream<Path> lib = Files.list(extracted.resolve("runtime/lib"))) {
            List<String> names = lib.map(p -> p.getFileName().toString()).toList();
            assertFalse(names.stream().anyMatch(n -> n.startsWith("libawt") || n.equals("libfontmanager.so")), names.toString());
        }
        assertFalse(Files.exists(extracted.resolve("runtime/include")), "no header files");
        assertFalse(Files.exists(extracted.resolve("runtime/man")), "no man pages");
        // the launcher's archive maps (-Xshare:on fails otherwise) although the bundle sits elsewhere than where it was
        // dumped, and was unpacked by a tool that does not keep mtimes (SafeExtractor)
        Path jsa = extracted.resolve("runtime/" + JavaRuntimeLinker.CDS_ARCHIVE);
        assertTrue(Files.size(jsa) > 1_000_000);
        Processes.Result r = Processes.exec(List.of("env", "JDK_JAVA_OPTIONS=-Xshare:on", "KUBEFERRY_SKIP_VERIFY=1",
                extracted.resolve("install").toString(), "--help"));
        assertEquals(0, r.exit(), r.out() + r.stderr());
        assertTrue(r.out().contains("Usage: installer"), r.out());
        assertFalse(r.out().contains("[cds]"), r.out());
    }

    @Test
    void aColdBuildInAnotherCacheGivesTheSameBytesCdsArchiveIncluded() throws Exception {
        Path other = work.resolve("out/again.tar.gz");
        Cli r = cli("build", "-f", work.resolve("spec.yaml").toString(), "-o", other.toString(), "--installer-jar",
                BundleBuildTest.installerJar().toString(), "--cache", work.resolve("other-cache").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("making the CDS archive"), "linked again: " + r.err());
        assertEquals(-1L, Files.mismatch(bundle, other), "two cold builds differ");
    }

    @Test
    void buildsInANinetySixMegabyteHeapRepeatedly() throws Exception {
        // the CLI in its own JVM as the README measures it: two deflating threads with heap arrays starved G1 (GCLocker)
        // and growing member buffers ran out of memory ("compression failed") in about one build of two
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 3; i++) {
            Path out = work.resolve("out/small-heap-" + i + ".tar.gz");
            Processes.Result r = Processes.exec(List.of(javaBin, "-Xmx96m", "-XX:+UseG1GC", "-cp",
                    System.getProperty("java.class.path"), BundleBuilderCli.class.getName(), "build", "-f",
                    work.resolve("spec.yaml").toString(), "-o", out.toString(), "--installer-jar",
                    BundleBuildTest.installerJar().toString(), "--cache", cache.toString(), "--threads", "2"));
            assertEquals(0, r.exit(), "build " + i + ": " + r.out() + r.stderr());
            assertEquals(-1L, Files.mismatch(bundle, out), "same bytes in a small heap");
        }
    }

    @Test
    void launcherRunsTheRealInstallerOnTheTrimmedRuntime() throws Exception {
        // the module list is enough for what the installer does offline: verify, render (FreeMarker), certs (BC)
        Path inv = work.resolve("inv");
        Files.createDirectories(inv);
        Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", inv.resolve("key").toString()));
        Files.writeString(inv.resolve("inventory.yaml"), Files.readString(extracted.resolve("inventory.example.yaml"))
                .replace("~/.ssh/id_ed25519", inv.resolve("key").toString())
                .replace("~/.ssh/known_hosts", inv.resolve("known_hosts").toString()));
        Path install = extracted.resolve("install");
        // render needs a bundle with images: the repository's installer jar (no bundle around it) on the bundled runtime
        Processes.Result render = Processes.exec(List.of(extracted.resolve("runtime/bin/java").toString(),
                "-jar", BundleBuildTest.installerJar().toString(), "render", "-i", inv.resolve("inventory.yaml").toString(),
                "-o", work.resolve("rendered").toString()));
        assertEquals(0, render.exit(), render.out() + render.stderr());
        try (Stream<Path> walk = Files.walk(work.resolve("rendered"))) {
            assertTrue(walk.anyMatch(p -> p.toString().endsWith(".yaml")), "rendered files");
        }
        Processes.Result certs = Processes.exec(List.of("env", "PATH=/usr/bin:/bin", "KUBEFERRY_SKIP_VERIFY=1",
                install.toString(), "certs", "generate", "-i", inv.resolve("inventory.yaml").toString()));
        assertEquals(0, certs.exit(), certs.out() + certs.stderr());
        assertFalse((render.out() + render.stderr() + certs.out() + certs.stderr()).contains("[cds]"), "CDS stays quiet");
    }

    /** A fresh copy of the extracted bundle to damage. */
    Path copy(String name) throws Exception {
        Path dir = work.resolve(name);
        Processes.run(List.of("cp", "-a", extracted.toString(), dir.toString()));
        return dir;
    }

    @Test
    void launcherNamesDamagedAndMissingRuntimeFilesBeforeStartingJava() throws Exception {
        Path b = copy("damaged");
        Path modules = b.resolve("runtime/lib/modules");
        byte[] bytes = Files.readAllBytes(modules);
        Files.write(modules, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // the truncated lib/modules
        Files.delete(b.resolve("runtime/lib/libnet.so"));
        Processes.Result r = Processes.exec(List.of("env", "PATH=/usr/bin:/bin", b.resolve("install").toString(), "--help"));
        String text = r.out() + r.stderr();
        assertEquals(3, r.exit(), text);
        assertTrue(r.stderr().contains("the bundled Java runtime is damaged"), text);
        assertTrue(r.stderr().contains("runtime/lib/modules: damaged (its sha256 differs from bundle.yaml)"), text);
        assertTrue(r.stderr().contains("runtime/lib/libnet.so: missing"), text);
        assertTrue(r.stderr().contains("tar xzf"), text);
        assertFalse(text.contains("Usage: installer") || text.contains("free()"), "Java did not start: " + text);
        // also under dash and busybox, the shells of old and small systems
        for (String shell : List.of("dash", "busybox")) {
            if (Processes.exec(List.of("sh", "-c", "command -v " + shell)).exit() == 0) {
                List<String> cmd = new ArrayList<>(List.of("env", "PATH=/usr/bin:/bin", shell));
                if (shell.equals("busybox")) {
                    cmd.add("sh");
                }
                cmd.addAll(List.of(b.resolve("install").toString(), "verify"));
                Processes.Result s = Processes.exec(cmd);
                assertEquals(3, s.exit(), shell + ": " + s.out() + s.stderr());
                assertTrue(s.stderr().contains("runtime/lib/modules: damaged"), shell + ": " + s.stderr());
            }
        }
    }

    @Test
    void launcherRefusesAMachineWithAnOlderGlibcClearly() throws Exception {
        // a CentOS 6 stand-in: getconf and ldd report glibc 2.12
        Path fake = Files.createDirectories(work.resolve("oldglibc"));
        Files.writeString(fake.resolve("getconf"), "#!/bin/sh\necho 'glibc 2.12'\n");
        Files.writeString(fake.resolve("ldd"), "#!/bin/sh\necho 'ldd (GNU libc) 2.12'\n");
        for (String f : List.of("getconf", "ldd")) {
            Files.setPosixFilePermissions(fake.resolve(f), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Processes.Result r = Processes.exec(List.of("env", "PATH=" + fake + ":/usr/bin:/bin", extracted.resolve("install").toString(),
                "--help"));
        assertEquals(3, r.exit(), r.out() + r.stderr());
        assertTrue(r.stderr().contains("needs glibc 2.17 or newer; this machine has glibc 2.12"), r.stderr());
        assertFalse(r.out().contains("Usage: installer"), r.out());
        // getconf without GNU_LIBC_VERSION (as on some systems): ldd --version answers
        Files.writeString(fake.resolve("getconf"), "#!/bin/sh\necho 'getconf: Unrecognized variable' >&2\nexit 1\n");
        Processes.Result viaLdd = Processes.exec(List.of("env", "PATH=" + fake + ":/usr/bin:/bin",
                extracted.resolve("install").toString(), "--help"));
        assertEquals(3, viaLdd.exit(), viaLdd.stderr());
        assertTrue(viaLdd.stderr().contains("this machine has glibc 2.12"), viaLdd.stderr());
    }

    @Test
    void buildOutsideTheRepositoryRootCarriesTemplatesAndTheInventoryExample() throws Exception {
        // the test JVM runs in bundle-builder/, where there is no templates/ nor inventory.example.yaml
        assertFalse(Files.exists(Path.of("templates")));
        BundleManifest m = new BundleVerifier().verifyArchive(bundle).manifest();
        assertTrue(m.file("inventory.example.yaml").isPresent());
        Path repoTemplates = BundleBuildTest.installerJar().resolve("../../../../templates").normalize();
        List<String> expected;
        try (Stream<Path> walk = Files.walk(repoTemplates)) {
            expected = walk.filter(Files::isRegularFile).map(p -> "templates/" + repoTemplates.relativize(p)).sorted().toList();
        }
        List<String> bundled = m.files().stream().map(BundleManifest.FileEntry::path).filter(p -> p.startsWith("templates/"))
                .sorted().toList();
        assertEquals(expected, bundled);
        assertTrue(buildLog.contains("built-in templates"), buildLog);
    }

    @Test
    void buildLogSaysEveryStepOutsideATerminal() {
        // stderr of the in-process CLI is no terminal: the steps that take time each print a plain line
        for (String step : List.of("linking the Java runtime (" + io.kubeferry.builder.pack.JavaRuntimeLinker.MODULES.size() + " modules) from ", "linked the Java runtime in ",
                "making the CDS archive", "packing ")) {
            assertTrue(buildLog.contains(step), step + " missing from: " + buildLog);
        }
        assertFalse(buildLog.contains("\r") || buildLog.contains("\033"), buildLog);
    }

    @Test
    void badFlagsAreAllReportedBeforeAnyDownload() throws Exception {
        files.put("/k/kubelet", new byte[] {1, 2, 3});
        Path spec = work.resolve("flags.yaml");
        Files.writeString(spec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                binaries:
                  - {name: kubelet, url: "%s/k/kubelet", sha256: {amd64: %s}}
                """.formatted(files.base(), "0".repeat(64)));
        int before = files.requests().size();
        Cli r = cli("build", "-f", spec.toString(), "-o", work.resolve("out/flags.tar.gz").toString(), "--no-runtime",
                "--cache", cache.toString(), "--threads", "0", "--level", "42", "--parallel", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--threads: must be at least 1, got 0"), r.err());
        assertTrue(r.err().contains("--level: gzip levels are 0 (store) to 9 (smallest), got 42"), r.err());
        assertTrue(r.err().contains("--parallel: must be at least 1"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
        assertEquals(before, files.requests().size(), "nothing was downloaded");

        Cli noJdk = cli("build", "-f", spec.toString(), "--jdk", work.toString(), "--cache", cache.toString());
        assertEquals(2, noJdk.code(), noJdk.err());
        assertTrue(noJdk.err().contains("--jdk: " + work + " is not a JDK"), noJdk.err());
        assertEquals(before, files.requests().size(), "nothing was downloaded");
    }

    @Test
    void twoArchitectureBundleIsBuiltWithoutARuntimeAsTheReadmeSays() throws Exception {
        byte[] amd = {1, 2, 3};
        byte[] arm = {4, 5, 6};
        files.put("/two/tool-amd64", amd);
        files.put("/two/tool-arm64", arm);
        Path spec = work.resolve("two.yaml");
        Files.writeString(spec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64, arm64]
                binaries:
                  - name: tool
                    url: "%s/two/tool-${arch}"
                    sha256: {amd64: %s, arm64: %s}
                """.formatted(files.base(), io.kubeferry.bundle.Sha256.ofBytes(amd), io.kubeferry.bundle.Sha256.ofBytes(arm)));
        Path out = work.resolve("out/two.tar.gz");
        // no --no-runtime: the runtime is left out (with a note), not a failure after every download
        Cli r = cli("build", "-f", spec.toString(), "-o", out.toString(), "--installer-jar",
                BundleBuildTest.installerJar().toString(), "--cache", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("no Java runtime in a bundle for 2 architectures"), r.err());
        BundleManifest m = new BundleVerifier().verifyArchive(out).manifest();
        assertTrue(m.file("runtime/bin/java").isEmpty());
        assertTrue(m.file("bin/arm64/tool-arm64").isPresent());
    }
}
