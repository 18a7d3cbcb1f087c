package io.kubeferry.builder.pack;

import io.kubeferry.builder.fetch.ChecksumFile;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.registry.Descriptor;
import io.kubeferry.builder.registry.ImageReference;
import io.kubeferry.builder.registry.Platform;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryException;
import io.kubeferry.builder.registry.ResolvedImage;
import io.kubeferry.builder.spec.BundleLayout;
import io.kubeferry.builder.spec.BundleSpec;
import io.kubeferry.builder.spec.SpecReader;
import io.kubeferry.builder.spec.Templates;
import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.SafeExtractor;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.errors.UnexpectedStateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Turns a {@link BundleSpec} into a bundle archive: downloads binaries and pulls images (in parallel, through the
 * cache), links the Java runtime, adds the installer, templates and docs, and packs it all with {@link BundlePacker}.
 */
public final class BundleBuilder {
    public static final String IMAGE_ARCHIVE = BundleLayout.IMAGE_ARCHIVE;
    /** Where the installer jar keeps its built-in templates. */
    static final String JAR_TEMPLATES = "io/kubeferry/render/templates/";
    private static final String GLIBC_PLACEHOLDER = "@RUNTIME_GLIBC@";

    /**
     * Local inputs of a build.
     *
     * @param installerJar     the shaded installer jar, or null to leave it out (a bundle for testing only)
     * @param templatesDir     the repository's templates/ folder, or null
     * @param inventoryExample inventory.example.yaml, or null
     * @param jdkHome          JDK with jmods for the runtime, or null for no runtime
     * @param parallelism      concurrent downloads
     */
    public record Inputs(Path installerJar, Path templatesDir, Path inventoryExample, Path jdkHome, int parallelism) {
    }

    /** What was built. */
    public record Result(BundleManifest manifest, Path output, long bytes, Duration elapsed) {
    }

    private final Downloader downloader;
    private final RegistryClient registry;
    private final BundlePacker packer;
    private final PrintStream log;

    public BundleBuilder(Downloader downloader, RegistryClient registry, BundlePacker packer, PrintStream log) {
        this.downloader = downloader;
        this.registry = registry;
        this.packer = packer;
        this.log = log;
    }

    /** The default bundle name: kubeferry-1.34.1-linux-amd64. */
    public static String bundleName(BundleSpec spec) {
        return "kubeferry-" + spec.kubernetesVersion() + "-linux-" + String.join("-", spec.architectures());
    }

    /** @param output the archive to write; an existing directory gets {@code <bundle name>.tar.gz} inside it */
    public Result build(BundleSpec spec, Inputs in, Path output) throws IOException, InterruptedException {
        long start = System.nanoTime();
        if (Files.isDirectory(output)) {
            output = output.resolve(bundleName(spec) + ".tar.gz");
        }
        // what needs no download is checked before the first one
        boolean withRuntime = in.jdkHome() != null && spec.architectures().size() == 1;
        if (in.jdkHome() != null && !withRuntime) {
            log.println("note: no Java runtime in a bundle for " + spec.architectures().size() + " architectures: "
                    + "./install will use java 17+ from PATH (build one bundle per architecture to carry one)");
        }
        if (withRuntime && !spec.jdks().containsKey(spec.architectures().get(0))) {
            checkRuntimeArch(spec, in.jdkHome());
        }
        if (in.installerJar() != null) {
            requireFile(in.installerJar(), "--installer-jar");
        }
        if (in.inventoryExample() != null) {
            requireFile(in.inventoryExample(), "--inventory-example");
        }
        if (in.templatesDir() != null && !Files.isDirectory(in.templatesDir())) {
            throw new BadInputException("--templates", in.templatesDir() + " is not a directory");
        }
        List<BundlePacker.Entry> entries = new ArrayList<>();
        Map<String, String> versions = new TreeMap<>();
        versions.put("kubernetes", spec.kubernetesVersion());

        log.println("resolving " + spec.binaries().size() * spec.architectures().size() + " files and "
                + spec.images().size() + " images");
        List<Downloader.Request> requests = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        List<BundleManifest.Binary> binaries = new ArrayList<>();
        List<Callable<Downloader.Request>> resolveBinaries = new ArrayList<>();
        for (String arch : spec.architectures()) {
            for (BundleSpec.BinarySpec b : spec.binaries()) {
                SpecReader.ExpandedBinary x = SpecReader.expand(spec.kubernetesVersion(), spec.versions(), b, arch);
                Map<String, String> vars = x.vars();
                String url = x.url();
                if (vars.containsKey("version")) {
                    versions.put(b.name(), vars.get("version"));
                }
                String path = x.path();
                paths.add(path);
                binaries.add(new BundleManifest.Binary(b.name(), arch, vars.get("version"), path));
                resolveBinaries.add(() -> new Downloader.Request(path, URI.create(spec.mirrored(url)),
                        expectedSha256(spec, b, arch, vars, url, path)));
            }
        }
        requests.addAll(runAll(resolveBinaries, in.parallelism()));
        List<Path> fetched = downloader.fetchAll(requests, in.parallelism());
        for (int i = 0; i < paths.size(); i++) {
            String p = paths.get(i);
            entries.add(new BundlePacker.Entry(p, 0755, new BundlePacker.FileContent(fetched.get(i)), !isCompressedName(p)));
        }

        List<ResolvedImage> images = pullImages(spec, in.parallelism());

        for (BundleSpec.ExtraFile f : spec.files()) {
            Path src = f.source() != null ? f.source()
                    : downloader.fetch(new Downloader.Request(f.path(), URI.create(spec.mirrored(f.url())), f.sha256()));
            entries.add(new BundlePacker.Entry(f.path(), Files.isExecutable(src) ? 0755 : 0644,
                    new BundlePacker.FileContent(src), !isCompressedName(f.path())));
        }
        if (in.installerJar() != null) {
            entries.add(new BundlePacker.Entry(BundleLayout.INSTALLER_JAR, 0644, new BundlePacker.FileContent(in.installerJar()), false));
        }
        String runtimeGlibc = "";
        if (withRuntime) {
            Path target = targetJdk(spec, in.jdkHome());
            checkRuntimeArch(spec, target);
            JavaRuntimeLinker.Runtime runtime = new JavaRuntimeLinker(in.jdkHome(), target, downloader.cache().root(), log)
                    .link(in.installerJar());
            addTree(runtime.dir(), BundleLayout.RUNTIME_DIR, entries);
            runtime.cdsArchive().ifPresent(a -> entries.add(new BundlePacker.Entry(BundleLayout.RUNTIME_DIR + "/" + JavaRuntimeLinker.CDS_ARCHIVE,
                    0644, new BundlePacker.FileContent(a), true)));
            if (runtime.glibc().isPresent()) {
                runtimeGlibc = runtime.glibc().get().toString();
                if (runtime.glibc().get().compareTo(JavaRuntimeLinker.PORTABLE_GLIBC) > 0) {
                    log.println("warning: the Java runtime linked from " + target + " needs glibc " + runtimeGlibc
                            + ": ./install will refuse hosts with an older one (RHEL/Rocky 8 have 2.28, Ubuntu 20.04 2.31); "
                            + "pass --jdk with a JDK built for glibc " + JavaRuntimeLinker.PORTABLE_GLIBC
                            + " (Eclipse Temurin) for a runtime that runs everywhere");
                }
            }
        }
        if (in.templatesDir() != null) {
            addTree(in.templatesDir(), BundleLayout.TEMPLATES_DIR, entries);
        } else if (in.installerJar() != null) {
            addTemplatesFromJar(in.installerJar(), entries);
        }
        if (in.inventoryExample() != null) {
            entries.add(new BundlePacker.Entry(BundleLayout.INVENTORY_EXAMPLE, 0644, new BundlePacker.FileContent(in.inventoryExample()), true));
        }
        entries.add(new BundlePacker.Entry(BundleLayout.LAUNCHER, 0755, new BundlePacker.BytesContent(launcher(runtimeGlibc)), true));
        List<BundleManifest.ImageEntry> imageEntries = new ArrayList<>();
        for (ResolvedImage i : images) {
            imageEntries.add(new BundleManifest.ImageEntry(i.name().canonical(), i.top().digest(), i.top().mediaType(),
                    i.source().toString(), i.manifests().stream().map(m -> m.platform().toString()).toList()));
        }
        imageEntries.sort(java.util.Comparator.comparing(BundleManifest.ImageEntry::name));
        String name = bundleName(spec);
        entries.add(new BundlePacker.Entry(BundleLayout.README, 0644,
                new BundlePacker.BytesContent(readme(name, versions, imageEntries)), true));
        String imageArchive = null;
        if (!images.isEmpty()) {
            OciArchive oci = new OciArchive(images, registry::cached);
            imageArchive = IMAGE_ARCHIVE;
            entries.add(new BundlePacker.Entry(IMAGE_ARCHIVE, 0644, new BundlePacker.OciContent(oci), true));
            log.println("images: " + images.size() + " images, " + oci.blobs().size() + " distinct blobs");
        }
        log.println("packing " + output);
        BundleManifest manifest;
        try (PackingProgress ignored = new PackingProgress(output, log)) {
            manifest = packer.pack(new BundlePacker.ManifestHeader(name, spec.kubernetesVersion(),
                    spec.architectures(), versions, imageArchive, imageEntries, binaries), entries, output);
        }
        return new Result(manifest, output, Files.size(output), Duration.ofNanos(System.nanoTime() - start));
    }

    /** A plain line every 15 s while the archive is written (its .part file grows), for logs without a terminal. */
    private static final class PackingProgress implements AutoCloseable {
        private final java.util.concurrent.ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "packing-progress");
            t.setDaemon(true);
            return t;
        });

        PackingProgress(Path output, PrintStream log) {
            long start = System.nanoTime();
            Path part = output.resolveSibling(output.getFileName() + ".part");
            timer.scheduleAtFixedRate(() -> {
                try {
                    long written = Files.isRegularFile(part) ? Files.size(part) : 0;
                    log.printf("packing: %.1f MB written in %.0f s%n", written / 1e6, (System.nanoTime() - start) / 1e9);
                } catch (IOException ignored) {
                    // the part file was just renamed: packing is over
                }
            }, 15, 15, java.util.concurrent.TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private String expectedSha256(BundleSpec spec, BundleSpec.BinarySpec b, String arch, Map<String, String> vars,
                                  String url, String path) {
        String pinned = b.sha256().get(arch);
        if (pinned != null) {
            return pinned;
        }
        String shaUrl = spec.mirrored(Templates.expand(b.sha256Url(), vars));
        String text = downloader.fetchText(URI.create(shaUrl), path + " checksum");
        return ChecksumFile.digestFor(text, BundleLayout.lastSegment(url)).orElseThrow(() -> new UnexpectedStateException(
                "checksum file " + shaUrl + " has no sha256 for " + BundleLayout.lastSegment(url) + " (needed for " + path
                        + "); pin it with 'sha256: {" + arch + ": <hex>}' in " + b.where()));
    }

    private List<ResolvedImage> pullImages(BundleSpec spec, int parallelism) throws InterruptedException {
        List<Platform> platforms = spec.architectures().stream().map(Platform::linux).toList();
        List<Callable<ResolvedImage>> tasks = new ArrayList<>();
        for (BundleSpec.ImageSpec i : spec.images()) {
            ImageReference name = ImageReference.parse(i.reference());
            String mirrored = spec.mirrored(name.name());
            ImageReference source = ImageReference.parse(mirrored + (name.tag() != null ? ":" + name.tag() : "")
                    + (name.digest() != null ? "@" + name.digest() : ""));
            tasks.add(() -> {
                try {
                    return registry.resolve(name, source, platforms);
                } catch (RegistryException e) {
                    if (e.notFound()) {
                        throw new BadInputException(List.of(Problem.error(i.where(), e.getMessage())));
                    }
                    throw e;
                }
            });
        }
        List<ResolvedImage> images = runAll(tasks, parallelism);
        Map<String, Callable<Path>> blobs = new LinkedHashMap<>();
        for (ResolvedImage i : images) {
            for (ResolvedImage.PlatformManifest m : i.manifests()) {
                for (Descriptor l : m.layers()) {
                    blobs.putIfAbsent(l.digest(), () -> registry.fetchBlob(i.source(), l));
                }
            }
        }
        runAll(new ArrayList<>(blobs.values()), parallelism);
        return images;
    }

    /** Runs tasks on a small pool; rethrows the first failure (in task order) once all are done. */
    static <T> List<T> runAll(List<Callable<T>> tasks, int parallelism) throws InterruptedException {
        if (tasks.isEmpty()) {
            return List.of();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, tasks.size())));
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> t : tasks) {
                futures.add(pool.submit(t));
            }
            List<T> out = new ArrayList<>();
            RuntimeException first = null;
            for (Future<T> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException re ? re
                                : e.getCause() instanceof IOException io ? new UncheckedIOException(io)
                                : new IllegalStateException(e.getCause());
                    }
                }
            }
            if (first != null) {
                throw first;
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The JDK whose jmods make the runtime: the spec's JDK archive for the bundle's architecture (downloaded,
     * verified, unpacked once into the cache), else the building JDK.
     */
    private Path targetJdk(BundleSpec spec, Path buildingJdk) throws IOException {
        if (spec.architectures().size() != 1 || !spec.jdks().containsKey(spec.architectures().get(0))) {
            return buildingJdk;
        }
        BundleSpec.JdkArchive jdk = spec.jdks().get(spec.architectures().get(0));
        Path archive = downloader.fetch(new Downloader.Request("jdk " + spec.architectures().get(0) + " ("
                + BundleLayout.lastSegment(jdk.url()) + ")", URI.create(spec.mirrored(jdk.url())), jdk.sha256()));
        Path dir = downloader.cache().root().resolve("jdks").resolve(jdk.sha256());
        if (!Files.isDirectory(dir)) {
            // builds sharing the cache may unpack it at the same time: each in its own directory, the first move wins
            Path tmp = Files.createTempDirectory(Files.createDirectories(dir.getParent()), jdk.sha256() + ".tmp");
            try {
                new SafeExtractor().extract(archive, tmp);
                Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) {
                    throw e;
                } // else another build finished first: same digest, same content
            } finally {
                JavaRuntimeLinker.deleteTree(tmp);
            }
        }
        // archives hold one top directory (jdk-17.0.x+y/); find the one with jmods/
        try (Stream<Path> walk = Files.walk(dir, 3)) {
            return walk.filter(p -> Files.isDirectory(p.resolve("jmods")) && Files.isRegularFile(p.resolve("release")))
                    .findFirst().orElseThrow(() -> new BadInputException(jdk.where(), "the JDK archive " + jdk.url()
                            + " has no jmods/ directory (use a JDK, not a JRE, build)"));
        }
    }

    private static void checkRuntimeArch(BundleSpec spec, Path jdkHome) throws IOException {
        String release = Files.isRegularFile(jdkHome.resolve("release")) ? Files.readString(jdkHome.resolve("release")) : "";
        String jdkArch = release.contains("OS_ARCH=\"aarch64\"") ? "arm64" : release.contains("OS_ARCH=\"x86_64\"")
                || release.contains("OS_ARCH=\"amd64\"") ? "amd64" : null;
        if (spec.architectures().size() != 1 || (jdkArch != null && !jdkArch.equals(spec.architectures().get(0)))) {
            throw new BadInputException(jdkHome.toString(), "the Java runtime is linked for one architecture (this JDK is "
                    + jdkArch + ", the bundle wants " + spec.architectures() + "); name a JDK archive for the target under "
                    + "'runtime: jdk:' in the spec, or use --no-runtime");
        }
    }

    private static void addTree(Path dir, String prefix, List<BundlePacker.Entry> entries) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir.toString(), "not a directory");
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                entries.add(new BundlePacker.Entry(prefix + "/" + rel, Files.isExecutable(p) ? 0755 : 0644,
                        new BundlePacker.FileContent(p), !isCompressedName(rel)));
            }
        }
    }

    /** The launcher with the runtime's glibc requirement filled in (empty: no bundled runtime, nothing to check). */
    static byte[] launcher(String runtimeGlibc) throws IOException {
        String script = new String(resource("install.sh"), StandardCharsets.UTF_8);
        if (!script.contains(GLIBC_PLACEHOLDER)) {
            throw new IllegalStateException("install.sh lost its " + GLIBC_PLACEHOLDER + " placeholder");
        }
        return script.replace(GLIBC_PLACEHOLDER, runtimeGlibc).getBytes(StandardCharsets.UTF_8);
    }

    /** The installer's built-in templates (the same tree as the repository's templates/), for builds run elsewhere. */
    private static void addTemplatesFromJar(Path installerJar, List<BundlePacker.Entry> entries) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(installerJar.toFile())) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (!e.isDirectory() && e.getName().startsWith(JAR_TEMPLATES)) {
                    String rel = e.getName().substring(JAR_TEMPLATES.length());
                    try (InputStream in = zip.getInputStream(e)) {
                        entries.add(new BundlePacker.Entry("templates/" + rel, 0644,
                                new BundlePacker.BytesContent(in.readAllBytes()), !isCompressedName(rel)));
                    }
                }
            }
        }
    }

    private static void requireFile(Path p, String flag) {
        if (!Files.isRegularFile(p)) {
            throw new BadInputException(flag, p + " does not exist");
        }
    }

    static boolean isCompressedName(String path) {
        return path.matches(".*\\.(gz|tgz|zst|xz|bz2|zip|jar)$");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BundleBuilder.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the builder jar");
            }
            return in.readAllBytes();
        }
    }

    private static byte[] readme(String name, Map<String, String> versions, List<BundleManifest.ImageEntry> images) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(name).append("\n\n")
                .append("An offline Kubernetes bundle made by Kubeferry's bundle-builder.\n\n")
                .append("1. Copy this directory to a machine that reaches your hosts over SSH.\n")
                .append("2. Copy `inventory.example.yaml` to `inventory.yaml` and describe your hosts.\n")
                .append("3. Run `./install`: it checks every file against `bundle.yaml`, then lists the installer's commands.\n")
                .append("   `./install <command> [options]` runs that installer command after the same check (for example\n"
                        + "   `./install check -i inventory.yaml`); `./install verify` only checks.\n\n")
                .append("Contents: `bin/<arch>/` binaries, `images/images.tar` (all images, one OCI layout for "
                        + "`ctr -n k8s.io images import`), `templates/`, `installer.jar`, `runtime/` (Java), `bundle.yaml` "
                        + "(every file with size and sha256, every image with its digest).\n\n")
                .append("## Versions\n\n");
        versions.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("\n## Images\n\n");
        for (BundleManifest.ImageEntry i : images) {
            sb.append("- ").append(i.name()).append(" (").append(i.digest()).append(")\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
