package io.kubeferry.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.cli.BundleBuilderCli;
import io.kubeferry.builder.fetch.ChecksumMismatchException;
import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.ProgressListener;
import io.kubeferry.builder.pack.BundleBuilder;
import io.kubeferry.builder.pack.BundlePacker;
import io.kubeferry.builder.pack.JavaRuntimeLinker;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryCredentials;
import io.kubeferry.builder.spec.BundleSpec;
import io.kubeferry.builder.spec.SpecReader;
import io.kubeferry.builder.support.FileServer;
import io.kubeferry.builder.support.LocalRegistry;
import io.kubeferry.builder.support.OciImages;
import io.kubeferry.builder.support.Processes;
import io.kubeferry.builder.support.TempContainerd;
import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.SafeExtractor;
import io.kubeferry.bundle.Sha256;
import io.kubeferry.bundle.VerificationReport;
import io.kubeferry.inventory.Secret;
import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * End to end against real tools: Debian's docker-registry (one open, one behind htpasswd), images made here and
 * pushed with skopeo, a local file server for binaries (stand-ins for kubelet, containerd and etcd archives), the
 * real builder, and real containerd importing and running the result.
 *
 * <p>One build through the API happens in {@link #setUp()}; tests only read its results (the archive, its
 * extraction, the requests it made). A test that changes or builds something does so in its own directory and
 * output, so no test depends on another having run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundleBuildTest {
    static final String PASSWORD_ENV = "KF_TEST_REGISTRY_PASSWORD";
    static final String PASSWORD = "s3cret-test-pass";

    Path work;
    LocalRegistry open;
    LocalRegistry auth;
    FileServer files;
    Path spec;
    Path cacheDir;
    Path installerJar;
    String baseLayerDigest;
    byte[] flaky;
    /** Results of the shared build made in setUp: read only. */
    Path bundle;
    BundleManifest manifest;
    int sharedBuildDownloads;
    List<String> sharedBuildEtcdRequests;
    Path extracted;

    @BeforeAll
    void setUp() throws Exception {
        work = Files.createTempDirectory(Path.of("/var/tmp"), "kf-bundle-test");
        open = LocalRegistry.start(work.resolve("reg-open"), null, null);
        auth = LocalRegistry.start(work.resolve("reg-auth"), "kfuser", PASSWORD);
        files = new FileServer();

        OciImages.Layer base = OciImages.busyboxLayer();
        baseLayerDigest = base.digest();
        List<String> catA = List.of("/bin/busybox", "cat", "/a.txt");
        OciImages.write(work.resolve("oci/app-a"), "1", List.of(new OciImages.Image("amd64",
                List.of(base, OciImages.textLayer("a.txt", "hello from app-a\n")), catA)));
        OciImages.write(work.resolve("oci/app-b"), "1", List.of(new OciImages.Image("amd64",
                List.of(base, OciImages.textLayer("b.txt", "hello from app-b\n")), List.of("/bin/busybox", "cat", "/b.txt"))));
        OciImages.write(work.resolve("oci/multi"), "1", List.of(
                new OciImages.Image("amd64", List.of(base, OciImages.textLayer("m.txt", "multi amd64\n")),
                        List.of("/bin/busybox", "cat", "/m.txt")),
                new OciImages.Image("arm64", List.of(OciImages.textLayer("m.txt", "multi arm64 (never run here)\n")),
                        List.of("/bin/cat", "/m.txt"))));
        OciImages.write(work.resolve("oci/secret"), "1", List.of(new OciImages.Image("amd64",
                List.of(OciImages.textLayer("s.txt", "secret\n")), List.of("/s.txt"))));
        open.push(work.resolve("oci/app-a"), "1", "test/app-a", null);
        open.push(work.resolve("oci/app-b"), "1", "test/app-b", "v2s2"); // Docker schema 2 as well as OCI
        open.push(work.resolve("oci/multi"), "1", "test/multi", null);
        auth.push(work.resolve("oci/secret"), "1", "private/secret", null);

        // stand-ins for kubelet and the containerd/etcd release archives, with upstream-style checksum files
        byte[] kubelet = randomBytes(3_000_000, 1);
        byte[] containerd = randomBytes(1_500_000, 2);
        flaky = randomBytes(2_000_000, 3);
        files.put("/release/v1.34.1/bin/linux/amd64/kubelet", kubelet);
        files.put("/release/v1.34.1/bin/linux/amd64/kubelet.sha256", Sha256.ofBytes(kubelet).getBytes(StandardCharsets.UTF_8));
        files.put("/gh/containerd-2.1.4-linux-amd64.tar.gz", containerd);
        files.put("/gh/containerd-2.1.4-linux-amd64.tar.gz.sha256sum",
                (Sha256.ofBytes(containerd) + "  containerd-2.1.4-linux-amd64.tar.gz\n").getBytes(StandardCharsets.UTF_8));
        files.put("/gh/etcd-v3.6.4-linux-amd64.tar.gz", flaky);
        files.put("/gh/SHA256SUMS", (Sha256.ofBytes(randomBytes(10, 9)) + "  etcd-v3.6.4-linux-arm64.tar.gz\n"
                + Sha256.ofBytes(flaky) + "  etcd-v3.6.4-linux-amd64.tar.gz\n").getBytes(StandardCharsets.UTF_8));
        files.dropOnce("/gh/etcd-v3.6.4-linux-amd64.tar.gz");

        Files.createDirectories(work.resolve("spec"));
        Files.writeString(work.resolve("spec/note.txt"), "an extra file the user adds\n");
        Path templates = Files.createDirectories(work.resolve("templates/etcd"));
        Files.writeString(templates.resolve("etcd.yaml.ftl"), "# template stand-in ${name}\n");
        spec = work.resolve("spec/bundle.yaml");
        // images and binaries are named by their upstream-style locations and fetched through mirrors
        Files.writeString(spec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                versions:
                  containerd: 2.1.4
                  etcd: 3.6.4
                binaries:
                  - name: kubelet
                    url: https://dl.k8s.example.test/release/v${kubernetesVersion}/bin/linux/${arch}/kubelet
                    version: ${kubernetesVersion}
                    sha256Url: ${url}.sha256
                  - name: containerd
                    url: https://github.example.test/containerd-${containerd}-linux-${arch}.tar.gz
                    version: ${containerd}
                    sha256Url: ${url}.sha256sum
                  - name: etcd
                    url: https://github.example.test/etcd-v${etcd}-linux-${arch}.tar.gz
                    version: ${etcd}
                    sha256Url: https://github.example.test/SHA256SUMS
                images:
                  - registry.example.test/test/app-a:1
                  - registry.example.test/test/app-b:1
                  - registry.example.test/test/multi:1
                  - %2$s/private/secret:1
                mirrors:
                  - {prefix: "https://dl.k8s.example.test/", replacement: "%1$s/"}
                  - {prefix: "https://github.example.test/", replacement: "%1$s/gh/"}
                  - {prefix: "registry.example.test/", replacement: "%3$s/"}
                registries:
                  - host: %2$s
                    username: kfuser
                    passwordEnv: KF_TEST_REGISTRY_PASSWORD
                files:
                  - path: extra/note.txt
                    source: note.txt
                """.formatted(files.base(), auth.host(), open.host()));
        cacheDir = work.resolve("cache");
        installerJar = installerJar();

        bundle = work.resolve("out/bundle-1.tar.gz");
        AtomicInteger downloads = new AtomicInteger();
        manifest = build(bundle, JavaRuntimeLinker.currentJdk(), downloads).manifest();
        sharedBuildDownloads = downloads.get();
        sharedBuildEtcdRequests = files.requests().stream().filter(q -> q.contains("etcd-v3.6.4")).toList();
        new SafeExtractor().extractBundle(bundle, work.resolve("extracted")); // verified whole, then size-bounded
        extracted = work.resolve("extracted/kubeferry-1.34.1-linux-amd64");
    }

    @AfterAll
    void tearDown() throws IOException {
        if (files != null) {
            files.close();
        }
        if (open != null) {
            open.close();
        }
        if (auth != null) {
            auth.close();
        }
        if (work != null && !Boolean.getBoolean("kubeferry.keep")) {
            try (var walk = Files.walk(work)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A build through the Java API, counting cache hits and real downloads. */
    BundleBuilder.Result build(Path output, Path jdk, AtomicInteger downloads) throws Exception {
        BundleSpec s = new SpecReader(name -> name.equals(PASSWORD_ENV) ? PASSWORD : null).read(spec);
        ProgressListener counting = new ProgressListener() {
            @Override
            public void finished(String label, boolean fromCache) {
                if (!fromCache) {
                    downloads.incrementAndGet();
                }
            }
        };
        Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(cacheDir), counting, 4, Duration.ofMillis(50));
        RegistryCredentials creds = new RegistryCredentials();
        creds.put(auth.host(), new RegistryCredentials.Login("kfuser", Secret.of(PASSWORD, "test")));
        RegistryClient registry = new RegistryClient(RegistryClient.defaultClient(), d, creds, h -> false);
        BundleBuilder b = new BundleBuilder(d, registry, new BundlePacker(BundlePacker.Options.defaults()),
                new PrintStream(new ByteArrayOutputStream()));
        return b.build(s, new BundleBuilder.Inputs(installerJar, work.resolve("templates"), null, jdk, 4), output);
    }

    /** A build of another spec through the API, no runtime. */
    void build(Path otherSpec) throws Exception {
        BundleSpec s = new SpecReader().read(otherSpec);
        Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(cacheDir), ProgressListener.NONE, 2,
                Duration.ofMillis(10));
        new BundleBuilder(d, new RegistryClient(RegistryClient.defaultClient(), d, new RegistryCredentials(), h -> false),
                new BundlePacker(BundlePacker.Options.defaults()), new PrintStream(new ByteArrayOutputStream()))
                .build(s, new BundleBuilder.Inputs(null, null, null, null, 2), work.resolve("out/other.tar.gz"));
    }

    /**
     * The real shaded installer jar ({@code installer/cli/target/installer.jar}): kubeferry-installer is a
     * test-scope dependency of this module, so a reactor build packages it before these tests run.
     */
    static Path installerJar() {
        Path root = Path.of(System.getProperty("kubeferry.repo.root", "..")).toAbsolutePath().normalize();
        Path real = root.resolve("installer/cli/target/installer.jar");
        if (!Files.isRegularFile(real)) {
            throw new IllegalStateException(real + " is missing: build the installer first (mvn -pl bundle-builder -am "
                    + "install, or make build); these tests bundle and run the real installer");
        }
        return real;
    }

    @Test
    void buildsAVerifiedBundleWithPinnedImagesAndResumedDownload() throws Exception {
        assertTrue(sharedBuildDownloads >= 3 + 5, "binaries and blobs were downloaded: " + sharedBuildDownloads);

        VerificationReport report = new BundleVerifier().verifyArchive(bundle);
        assertTrue(report.ok(), report.format());

        // the flaky file was cut half-way, then resumed with a Range request instead of starting over
        List<String> etcdRequests = sharedBuildEtcdRequests;
        assertEquals(2, etcdRequests.size(), etcdRequests.toString());
        // resumed from what reached the disk before the drop (at most the half the server sent)
        var resumed = java.util.regex.Pattern.compile("GET /gh/etcd-v3.6.4-linux-amd64.tar.gz bytes=(\\d+)-")
                .matcher(etcdRequests.get(1));
        assertTrue(resumed.matches(), etcdRequests.get(1));
        long offset = Long.parseLong(resumed.group(1));
        assertTrue(offset > 0 && offset <= flaky.length / 2, "resume offset " + offset);
        assertEquals(Sha256.ofBytes(flaky), manifest.file("bin/amd64/etcd-v3.6.4-linux-amd64.tar.gz").orElseThrow().sha256());

        // images carry their spec names and are pinned to the digests the registry serves (checked with skopeo)
        Map<String, String> digests = new HashMap<>();
        manifest.images().forEach(i -> digests.put(i.name(), i.digest()));
        assertEquals(open.digest("test/app-a", "1"), digests.get("registry.example.test/test/app-a:1"));
        assertEquals(open.digest("test/app-b", "1"), digests.get("registry.example.test/test/app-b:1"));
        assertEquals(open.digest("test/multi", "1"), digests.get("registry.example.test/test/multi:1"));
        assertEquals(auth.digest("private/secret", "1"), digests.get(auth.host() + "/private/secret:1"));
        assertEquals("1.34.1", manifest.versions().get("kubelet"));
        assertEquals("2.1.4", manifest.versions().get("containerd"));
        assertEquals(new BundleManifest.Binary("containerd", "amd64", "2.1.4", "bin/amd64/containerd-2.1.4-linux-amd64.tar.gz"),
                manifest.binary("containerd", "amd64").orElseThrow());

        // the archive is plain tar.gz to standard tools, entries sorted, owned by root, fixed mtime
        assertEquals(0, Processes.exec(List.of("gzip", "-t", bundle.toString())).exit());
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(bundle)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                names.add(e.getName());
                assertEquals(0, e.getLongUserId());
                assertEquals(BundlePacker.FIXED_MTIME * 1000, e.getModTime().getTime(), e.getName());
            }
        }
        String top = "kubeferry-1.34.1-linux-amd64/";
        assertEquals(top + "bundle.yaml", names.get(names.size() - 1));
        List<String> sorted = new ArrayList<>(names.subList(0, names.size() - 1));
        sorted.sort(null);
        assertEquals(sorted, names.subList(0, names.size() - 1));
        for (String expected : List.of("bin/amd64/kubelet", "images/images.tar", "installer.jar", "install", "README.md",
                "templates/etcd/etcd.yaml.ftl", "extra/note.txt", "runtime/bin/java")) {
            assertTrue(names.contains(top + expected), expected + " missing from " + names);
        }
    }

    @Test
    void sharedLayerIsStoredOnceAndOtherPlatformsAreLeftOut() throws Exception {
        Path dir = extracted;
        List<String> blobs = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(dir.resolve("images/images.tar")))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.isFile() && e.getName().startsWith("blobs/sha256/")) {
                    blobs.add("sha256:" + e.getName().substring("blobs/sha256/".length()));
                }
            }
        }
        // app-a, app-b and multi/amd64 all use the busybox layer: once in the archive
        assertEquals(1, blobs.stream().filter(baseLayerDigest::equals).count());
        assertEquals(blobs.size(), blobs.stream().distinct().count());
        // 4 images: 4 tops + 1 multi amd64 manifest + 4 configs + base + 4 own layers = 14 (arm64 blobs absent)
        assertEquals(14, blobs.size(), blobs.toString());
        String index = new String(readTarEntry(dir.resolve("images/images.tar"), "index.json"), StandardCharsets.UTF_8);
        assertTrue(index.contains("\"io.containerd.image.name\":\"registry.example.test/test/app-a:1\""), index);
        assertTrue(index.contains("\"org.opencontainers.image.ref.name\":\"1\""), index);
    }

    @Test
    void rebuildDownloadsNothingAndGivesIdenticalBytes() throws Exception {
        int before = files.requests().size();
        AtomicInteger downloads = new AtomicInteger();
        Path second = work.resolve("out/bundle-2.tar.gz");
        build(second, JavaRuntimeLinker.currentJdk(), downloads);
        assertEquals(0, downloads.get());
        assertEquals(before, files.requests().size(), "no request reached the file server");
        assertEquals(-1L, Files.mismatch(bundle, second), "two builds of the same spec differ");
    }

    @Test
    void verifyReportsTamperedTruncatedAndMissingFilesByName() throws Exception {
        Path dir = Files.createTempDirectory(work, "tamper");
        new SafeExtractor().extract(bundle, dir);
        Path root = dir.resolve("kubeferry-1.34.1-linux-amd64");
        assertTrue(new BundleVerifier().verifyDirectory(root).ok());
        byte[] kubelet = Files.readAllBytes(root.resolve("bin/amd64/kubelet"));
        kubelet[1000] ^= 1;
        Files.write(root.resolve("bin/amd64/kubelet"), kubelet);
        byte[] images = Files.readAllBytes(root.resolve("images/images.tar"));
        Files.write(root.resolve("images/images.tar"), java.util.Arrays.copyOf(images, images.length - 4096));
        Files.delete(root.resolve("installer.jar"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true));
            code = BundleBuilderCli.run(new String[] {"verify", root.toString()}, new PrintStream(out), new PrintStream(err));
        } finally {
            System.setErr(oldErr);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(3, code, text);
        assertTrue(text.contains("bin/amd64/kubelet: tampered (expected sha256 "), text);
        assertTrue(text.contains("images/images.tar: truncated (expected " + images.length + " bytes, found "
                + (images.length - 4096) + ")"), text);
        assertTrue(text.contains("installer.jar: missing"), text);

        // a truncated archive: the verifier says so instead of crashing
        Path cut = dir.resolve("cut.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(bundle), (int) (Files.size(bundle) / 2)));
        var e = assertThrows(io.kubeferry.bundle.BundleFormatException.class, () -> new BundleVerifier().verifyArchive(cut));
        assertTrue(e.getMessage().contains("ends early"), e.getMessage());
    }

    @Test
    void bundledRuntimeRuns() throws Exception {
        Path java = extracted.resolve("runtime/bin/java");
        Processes.Result r = Processes.exec(List.of(java.toString(), "-version"));
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("17"), r.stderr());
    }

    @Test
    void imagesImportIntoRealContainerdAndRun() throws Exception {
        Path images = extracted.resolve("images/images.tar");
        Path scratch = Files.createTempDirectory(work, "containerd");
        Processes.Result r = Processes.exec(List.of("sh", "-c", TempContainerd.script(scratch.toString(),
                images.toString(), "registry.example.test/test/app-a:1", "/bin/busybox cat /a.txt")));
        String out = r.out();
        assertEquals(0, r.exit(), out + r.stderr());
        assertTrue(out.contains("registry.example.test/test/app-b:1"), out);
        assertTrue(out.contains("registry.example.test/test/multi:1"), out);
        assertTrue(out.contains(auth.host() + "/private/secret:1"), out);
        assertTrue(out.contains("hello from app-a"), out);
    }

    @Test
    void imagesImportAndRunOnATestDatacenterHost() throws Exception {
        Testbed testbed = Testbed.shared(1);
        TestHost host = testbed.host(1);
        // copied in: files put under this machine's /var/tmp after the host's overlay was mounted may not show
        String scratch = "/var/tmp/kf-bundle-ctr-" + System.nanoTime();
        ExecResult mkdir = testbed.exec(host, "mkdir -p " + scratch);
        assertEquals(0, mkdir.exitCode(), mkdir.stderr());
        testbed.copyTo(host, extracted.resolve("images/images.tar"), scratch + "/images.tar");
        ExecResult r = testbed.exec(host, TempContainerd.script(scratch, scratch + "/images.tar",
                "registry.example.test/test/app-b:1", "/bin/busybox cat /b.txt") + "\nrm -rf " + scratch + "\n",
                Duration.ofMinutes(3));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("registry.example.test/test/multi:1"), r.stdout());
        assertTrue(r.stdout().contains("hello from app-b"), r.stdout());
    }

    @Test
    void installLauncherRunsTheRealInstallerVerifyWithTheBundledRuntime() throws Exception {
        Path install = extracted.resolve("install");
        // PATH without java: the bundled runtime runs the installer
        Processes.Result r = Processes.exec(List.of("env", "PATH=/usr/bin:/bin", install.toString(), "verify"));
        assertEquals(0, r.exit(), r.out() + r.stderr());
        assertTrue(r.out().contains(": ok, "), r.out());

        // no arguments: verify, then the installer's help (it has no single install command yet)
        Processes.Result noArgs = Processes.exec(List.of("env", "PATH=/usr/bin:/bin", install.toString()));
        assertEquals(0, noArgs.exit(), noArgs.out() + noArgs.stderr());
        assertTrue(noArgs.out().contains(": ok, "), noArgs.out());
        assertTrue(noArgs.out().contains("Usage: installer") && noArgs.out().contains("Commands:"), noArgs.out());
        assertTrue(noArgs.out().indexOf(": ok, ") < noArgs.out().indexOf("Usage: installer"), "verify runs first: " + noArgs.out());

        // a command passes through to the installer
        Processes.Result check = Processes.exec(List.of("env", "PATH=/usr/bin:/bin", install.toString(), "check", "--help"));
        assertEquals(0, check.exit(), check.out() + check.stderr());
        assertTrue(check.out().contains("Usage: installer check"), check.out());
    }

    @Test
    void multiArchBundleCarriesBothPlatformsOfAnIndexAndRefusesSingleArchImages() throws Exception {
        Path multiSpec = work.resolve("spec/multi.yaml");
        Files.writeString(multiSpec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64, arm64]
                images: [%s/test/multi:1]
                """.formatted(open.host()));
        Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(cacheDir), ProgressListener.NONE, 2,
                Duration.ofMillis(10));
        BundleBuilder b = new BundleBuilder(d, new RegistryClient(RegistryClient.defaultClient(), d, new RegistryCredentials(),
                h -> false), new BundlePacker(BundlePacker.Options.defaults()), new PrintStream(new ByteArrayOutputStream()));
        BundleBuilder.Result r = b.build(new SpecReader().read(multiSpec), new BundleBuilder.Inputs(null, null, null, null, 2),
                work.resolve("out/multi.tar.gz"));
        assertEquals("kubeferry-1.34.1-linux-amd64-arm64", r.manifest().name());
        assertEquals(List.of("linux/amd64", "linux/arm64"), r.manifest().images().get(0).platforms());
        assertTrue(new BundleVerifier().verifyArchive(r.output()).ok());

        Files.writeString(multiSpec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64, arm64]
                images: [%s/test/app-a:1]
                """.formatted(open.host()));
        var e = assertThrows(io.kubeferry.errors.BadInputException.class, () -> b.build(new SpecReader().read(multiSpec),
                new BundleBuilder.Inputs(null, null, null, null, 2), work.resolve("out/multi2.tar.gz")));
        assertTrue(e.getMessage().contains("multi.yaml:3:10") && e.getMessage().contains("single-platform image for linux/amd64"),
                e.getMessage());
    }

    @Test
    void runtimeCanComeFromAJdkArchiveNamedInTheSpec() throws Exception {
        // a JDK archive as vendors publish it (one top directory, release file, jmods/), made from this JDK
        Path jdk = JavaRuntimeLinker.currentJdk();
        Path archive = work.resolve("jdk-17-test.tar.gz");
        Processes.run(List.of("sh", "-c", "mkdir -p " + work + "/jdkpkg/jdk-17-test/jmods && cp " + jdk + "/release "
                + work + "/jdkpkg/jdk-17-test/ && cp " + jdk + "/jmods/java.*.jmod " + jdk + "/jmods/jdk.crypto.ec.jmod "
                + jdk + "/jmods/jdk.zipfs.jmod " + jdk + "/jmods/jdk.naming.dns.jmod " + jdk + "/jmods/jdk.unsupported.jmod " + jdk + "/jmods/jdk.jfr.jmod "
                + work + "/jdkpkg/jdk-17-test/jmods/ && tar -C " + work + "/jdkpkg -czf " + archive + " jdk-17-test"));
        files.put("/jdk/jdk-17-test.tar.gz", Files.readAllBytes(archive));
        Path jdkSpec = work.resolve("spec/jdk.yaml");
        Files.writeString(jdkSpec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                runtime:
                  jdk:
                    amd64: {url: "%s/jdk/jdk-17-test.tar.gz", sha256: %s}
                """.formatted(files.base(), Sha256.ofFile(archive)));
        Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(cacheDir), ProgressListener.NONE, 2,
                Duration.ofMillis(10));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BundleBuilder b = new BundleBuilder(d, new RegistryClient(RegistryClient.defaultClient(), d, new RegistryCredentials(),
                h -> false), new BundlePacker(BundlePacker.Options.defaults()), new PrintStream(log, true));
        Path out = work.resolve("out/jdk.tar.gz");
        b.build(new SpecReader().read(jdkSpec), new BundleBuilder.Inputs(installerJar, null, null, jdk, 2), out);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("jdks/" + Sha256.ofFile(archive) + "/jdk-17-test"),
                log.toString(StandardCharsets.UTF_8));
        Path dir = work.resolve("jdk-bundle");
        new SafeExtractor().extract(out, dir);
        Processes.Result r = Processes.exec(List.of(dir.resolve("kubeferry-1.34.1-linux-amd64/runtime/bin/java").toString(),
                "-version"));
        assertEquals(0, r.exit(), r.stderr());
    }

    static byte[] readTarEntry(Path tarFile, String name) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(tarFile))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return tar.readAllBytes();
                }
            }
        }
        throw new IOException(name + " not in " + tarFile);
    }

    @Test
    void wrongChecksumStopsTheBuildNamingFileExpectedAndActual() throws Exception {
        byte[] good = randomBytes(100_000, 7);
        files.put("/bad/crictl-v1.34.0-linux-amd64.tar.gz", good);
        String wrong = "0".repeat(64);
        Path badSpec = work.resolve("spec/bad.yaml");
        Files.writeString(badSpec, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                binaries:
                  - name: crictl
                    url: %s/bad/crictl-v1.34.0-linux-${arch}.tar.gz
                    sha256: {amd64: %s}
                """.formatted(files.base(), wrong));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BundleBuilderCli.run(new String[] {"build", "-f", badSpec.toString(), "-o",
                work.resolve("out/bad.tar.gz").toString(), "--no-runtime", "--cache", cacheDir.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(3, code, text);
        assertTrue(text.contains("checksum mismatch for bin/amd64/crictl-v1.34.0-linux-amd64.tar.gz"), text);
        assertTrue(text.contains("expected sha256 " + wrong + ", actual " + Sha256.ofBytes(good)), text);
        assertFalse(Files.exists(work.resolve("out/bad.tar.gz")));
        assertTrue(new ContentCache(cacheDir).find(Sha256.ofBytes(good)).isEmpty(), "a bad file never enters the cache");
        var direct = assertThrows(ChecksumMismatchException.class, () -> build(badSpec));
        assertEquals(wrong, direct.expected());
        assertEquals(Sha256.ofBytes(good), direct.actual());
    }

    @Test
    void privateRepositoryWithoutCredentialsFailsClearly() throws Exception {
        Path noCreds = work.resolve("spec/nocreds.yaml");
        Files.writeString(noCreds, """
                kubernetesVersion: 1.34.1
                architectures: [amd64]
                images: [%s/private/secret:1]
                """.formatted(auth.host()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BundleBuilderCli.run(new String[] {"build", "-f", noCreds.toString(), "-o",
                work.resolve("out/nocreds.tar.gz").toString(), "--no-runtime", "--cache", work.resolve("cache2").toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertTrue(text.contains("registries:") && text.contains(auth.host()), text);
    }

    @Test
    void cliBuildsAndVerifiesWithExitCodeZero() throws Exception {
        // the CLI in its own JVM, as users run it: the spec's passwordEnv comes from the environment and the private
        // image is pulled with those credentials; HOME is empty so no docker config.json is read
        Path home = Files.createTempDirectory(work, "home");
        Path out = work.resolve("out/cli.tar.gz");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Processes.Result r = Processes.exec(List.of("env", "HOME=" + home, PASSWORD_ENV + "=" + PASSWORD, javaBin,
                "-cp", System.getProperty("java.class.path"), BundleBuilderCli.class.getName(),
                "build", "-f", spec.toString(), "-o", out.toString(), "--no-runtime", "--installer-jar", installerJar.toString(),
                "--cache", Files.createTempDirectory(work, "cli-cache").toString()));
        String output = r.out() + r.stderr();
        assertEquals(0, r.exit(), output);
        assertTrue(output.contains("built " + out), output);
        // the password was used (the private image is in the bundle) and never printed, in any form
        String basic = java.util.Base64.getEncoder().encodeToString(("kfuser:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertFalse(output.contains(PASSWORD), output);
        assertFalse(output.contains(basic), output);

        ByteArrayOutputStream verifyOut = new ByteArrayOutputStream();
        ByteArrayOutputStream verifyErr = new ByteArrayOutputStream();
        int verify = BundleBuilderCli.run(new String[] {"verify", out.toString()}, new PrintStream(verifyOut, true),
                new PrintStream(verifyErr, true));
        assertEquals(0, verify, verifyOut.toString(StandardCharsets.UTF_8) + verifyErr.toString(StandardCharsets.UTF_8));
        BundleManifest cliManifest = new BundleVerifier().verifyArchive(out).manifest();
        assertTrue(cliManifest.images().stream().anyMatch(i -> i.name().equals(auth.host() + "/private/secret:1")),
                cliManifest.images().toString());
        assertTrue(cliManifest.file("installer.jar").isPresent());
        assertTrue(cliManifest.file("runtime/bin/java").isEmpty(), "--no-runtime");
    }
}
