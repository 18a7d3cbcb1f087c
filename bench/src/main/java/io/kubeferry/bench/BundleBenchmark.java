package io.kubeferry.bench;

import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.ProgressListener;
import io.kubeferry.builder.pack.BundleBuilder;
import io.kubeferry.builder.pack.BundlePacker;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryCredentials;
import io.kubeferry.builder.spec.BundleSpec;
import io.kubeferry.builder.spec.SpecReader;
import io.kubeferry.builder.support.FileServer;
import io.kubeferry.builder.support.LocalRegistry;
import io.kubeferry.builder.support.OciImages;
import io.kubeferry.builder.support.Processes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Bundle size and build time against what sealos/kubespray-style tooling ships: one {@code docker save}-style tar per
 * image (made with {@code skopeo copy ... docker-archive:}) plus {@code tar czf}. Same inputs, same run: nine
 * Kubernetes-like images sharing two base layers (busybox and a shared-library layer), whose own layers are real Go
 * and C binaries from this machine, in a local docker-registry; three binaries from a local file server.
 *
 * <p>Run: {@code mvn -o -q -pl bench exec:java -Dexec.mainClass=io.kubeferry.bench.BundleBenchmark}
 */
public final class BundleBenchmark {
    private record Img(String repo, List<String> files) {
    }

    private static final List<Img> IMAGES = List.of(
            new Img("kube-apiserver", List.of("/usr/bin/containerd")),
            new Img("kube-controller-manager", List.of("/usr/bin/ctr")),
            new Img("kube-scheduler", List.of("/usr/bin/docker-registry")),
            new Img("kube-proxy", List.of("/usr/bin/skopeo")),
            new Img("etcd", List.of("/usr/bin/etcd", "/usr/bin/etcdctl")),
            new Img("coredns", List.of("/usr/bin/containerd-shim-runc-v2")),
            new Img("pause", List.of()),
            new Img("flannel", List.of("/usr/sbin/runc")),
            new Img("haproxy", List.of("/usr/sbin/haproxy")));
    private static final Map<String, String> BINARIES = Map.of(
            "kubelet", "/usr/bin/etcdctl", "kubectl", "/usr/bin/containerd-shim-runc-v2", "crictl", "/usr/bin/busybox");

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), "kf-bundle-bench");
        try (LocalRegistry reg = LocalRegistry.start(work.resolve("registry"), null, null);
             FileServer files = new FileServer()) {
            System.out.println("setting up: " + IMAGES.size() + " images in " + reg + ", " + BINARIES.size() + " binaries");
            Path spec = setUp(work, reg, files);

            // ours, cold cache
            Result cold = ours(spec, work.resolve("cache-cold"), work.resolve("ours-cold.tar.gz"), BundlePacker.Options.defaults());
            // ours, warm cache (a rebuild)
            Result warm = ours(spec, work.resolve("cache-cold"), work.resolve("ours-warm.tar.gz"), BundlePacker.Options.defaults());
            // compression choice: recompress gzip'd layers at level 6 versus store them
            BundlePacker.Options d = BundlePacker.Options.defaults();
            Result recompress = ours(spec, work.resolve("cache-cold"), work.resolve("ours-recompress.tar.gz"),
                    new BundlePacker.Options(d.threads(), d.chunkSize(), d.level(), false));
            Result oneThread = ours(spec, work.resolve("cache-cold"), work.resolve("ours-1thread.tar.gz"),
                    new BundlePacker.Options(1, d.chunkSize(), d.level(), false));
            Result baseline = baseline(work, reg, files);
            String bounded = cliWithSmallHeap(spec, work);
            String gzipFigures = parallelGzip();

            System.out.println();
            System.out.println("=== bundle-builder benchmark (" + Runtime.getRuntime().availableProcessors() + " cores) ===");
            row("skopeo copy per image + tar czf", baseline, baseline);
            row("bundle-builder, cold cache", cold, baseline);
            row("bundle-builder, warm cache (rebuild)", warm, baseline);
            row("bundle-builder, layers recompressed", recompress, baseline);
            row("bundle-builder, recompressed, 1 thread", oneThread, baseline);
            System.out.printf("size ratio (per-image tars / ours): %.2fx; speed-up cold: %.2fx, warm: %.2fx%n",
                    (double) baseline.bytes / cold.bytes, baseline.seconds / cold.seconds, baseline.seconds / warm.seconds);
            System.out.printf("storing gzip'd layers instead of recompressing: %.2f%% larger, %.1fx faster to pack%n",
                    100.0 * (cold.bytes - recompress.bytes) / recompress.bytes, (recompress.seconds) / (warm.seconds));
            System.out.printf("parallel gzip members, recompressing everything: %.2fx faster on %d threads than on 1%n",
                    oneThread.seconds / recompress.seconds, d.threads());
            System.out.println("memory: " + bounded);
            System.out.println("compressing " + gzipFigures);
            System.out.println("identical bytes cold vs warm: " + (Files.mismatch(work.resolve("ours-cold.tar.gz"),
                    work.resolve("ours-warm.tar.gz")) == -1));
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private record Result(long bytes, double seconds, double peakHeapMb, String detail) {
    }

    private static void row(String name, Result r, Result base) {
        System.out.printf("%-40s %8.1f MB %7.2f s   size %5.2fx  time %5.2fx  %s%n", name, r.bytes / 1e6, r.seconds,
                (double) r.bytes / base.bytes, r.seconds / base.seconds, r.detail);
    }

    private static Path setUp(Path work, LocalRegistry reg, FileServer files) throws Exception {
        OciImages.Layer busybox = OciImages.busyboxLayer();
        Map<String, byte[]> libs = new TreeMap<>();
        long total = 0;
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/x86_64-linux-gnu"))) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().contains(".so")).sorted().toList()) {
                if (total > 8_000_000) {
                    break;
                }
                byte[] b = Files.readAllBytes(p);
                libs.put("usr/lib/" + p.getFileName(), b);
                total += b.length;
            }
        }
        OciImages.Layer shared = OciImages.layer(libs);
        StringBuilder images = new StringBuilder();
        for (Img img : IMAGES) {
            Map<String, byte[]> own = new TreeMap<>();
            for (String f : img.files()) {
                own.put("usr/local/bin/" + Path.of(f).getFileName(), Files.readAllBytes(Path.of(f)));
            }
            own.put("etc/" + img.repo() + ".conf", ("name=" + img.repo() + "\n").getBytes());
            OciImages.write(work.resolve("oci/" + img.repo()), "v1", List.of(new OciImages.Image("amd64",
                    List.of(busybox, shared, OciImages.layer(own)), List.of("/bin/sh"))));
            reg.push(work.resolve("oci/" + img.repo()), "v1", "k8s/" + img.repo(), null);
            images.append("  - ").append(reg.host()).append("/k8s/").append(img.repo()).append(":v1\n");
        }
        StringBuilder bins = new StringBuilder();
        for (Map.Entry<String, String> b : new TreeMap<>(BINARIES).entrySet()) {
            byte[] content = Files.readAllBytes(Path.of(b.getValue()));
            files.put("/bin/" + b.getKey(), content);
            bins.append("  - name: ").append(b.getKey()).append("\n    url: ").append(files.base()).append("/bin/")
                    .append(b.getKey()).append("\n    sha256: {amd64: ").append(io.kubeferry.bundle.Sha256.ofBytes(content))
                    .append("}\n");
        }
        Path spec = work.resolve("bench.yaml");
        Files.writeString(spec, "kubernetesVersion: 1.34.1\narchitectures: [amd64]\nbinaries:\n" + bins + "images:\n" + images);
        return spec;
    }

    private static Result ours(Path spec, Path cache, Path out, BundlePacker.Options options) throws Exception {
        BundleSpec s = new SpecReader().read(spec);
        Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(cache), ProgressListener.NONE, 4,
                Duration.ofMillis(100));
        RegistryClient registry = new RegistryClient(RegistryClient.defaultClient(), d, new RegistryCredentials(), h -> false);
        BundleBuilder builder = new BundleBuilder(d, registry, new BundlePacker(options), new PrintStream(new ByteArrayOutputStream()));
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long start = System.nanoTime();
        BundleBuilder.Result r = builder.build(s, new BundleBuilder.Inputs(null, null, null, null, 4), out);
        double secs = (System.nanoTime() - start) / 1e9;
        double peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum() / 1e6;
        return new Result(r.bytes(), secs, peak, r.manifest().images().size() + " images, one OCI layout");
    }

    /**
     * The packaged CLI in its own JVM with a 64 MB heap and a cold cache: it must succeed (streaming, bounded
     * memory); reports its time and peak resident set size (VmHWM, polled).
     */
    private static String cliWithSmallHeap(Path spec, Path work) throws Exception {
        Path jar = Path.of(BundleBuilder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path out = work.resolve("ours-cli.tar.gz");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String script = java + " -Xmx64m -cp " + jar + " io.kubeferry.builder.cli.BundleBuilderCli build -f " + spec
                + " -o " + out + " --no-runtime --cache " + work.resolve("cache-cli") + " >/dev/null 2>&1 & pid=$!; peak=0; "
                + "while kill -0 $pid 2>/dev/null; do v=$(awk '/VmHWM/{print $2}' /proc/$pid/status 2>/dev/null); "
                + "[ -n \"$v\" ] && peak=$v; sleep 0.05; done; wait $pid; echo \"$? $peak\"";
        long start = System.nanoTime();
        String[] r = Processes.run(List.of("sh", "-c", script)).trim().split(" ");
        double secs = (System.nanoTime() - start) / 1e9;
        return String.format("bundle-builder CLI with -Xmx64m, cold cache: exit %s, %.1f MB bundle in %.2f s, peak RSS %.0f MB",
                r[0], Files.exists(out) ? Files.size(out) / 1e6 : 0.0, secs, Long.parseLong(r[1]) / 1024.0);
    }

    /** Parallel gzip members versus one thread versus gzip(1), on compressible data (uncompressed ELF binaries). */
    private static String parallelGzip() throws Exception {
        List<Path> inputs = List.of(Path.of("/usr/bin/containerd"), Path.of("/usr/bin/ctr"), Path.of("/usr/bin/docker-registry"));
        long bytes = 0;
        for (Path p : inputs) {
            bytes += Files.size(p);
        }
        double[] secs = new double[2];
        long[] sizes = new long[2];
        for (int threads = 1; threads <= 2; threads++) {
            var counter = new java.io.OutputStream() {
                long n;

                @Override
                public void write(int b) {
                    n++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    n += len;
                }
            };
            long start = System.nanoTime();
            try (var gz = new io.kubeferry.builder.pack.ParallelGzipOutputStream(counter, threads, 4 << 20, 6, true)) {
                for (Path p : inputs) {
                    Files.copy(p, gz);
                }
            }
            secs[threads - 1] = (System.nanoTime() - start) / 1e9;
            sizes[threads - 1] = counter.n;
        }
        long start = System.nanoTime();
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "cat " + String.join(" ", inputs.stream().map(Path::toString).toList())
                + " | gzip -6 | wc -c"));
        long gzipSize = Long.parseLong(Processes.run(cmd).trim());
        double gzipSecs = (System.nanoTime() - start) / 1e9;
        return String.format("%.0f MB of binaries: 1 thread %.2f s (%.1f MB), 2 threads %.2f s (%.1f MB, %.2fx), gzip -6 %.2f s (%.1f MB)",
                bytes / 1e6, secs[0], sizes[0] / 1e6, secs[1], sizes[1] / 1e6, secs[0] / secs[1], gzipSecs, gzipSize / 1e6);
    }

    /** The sealos/kubespray way: skopeo copy each image to a docker-archive tar, curl the binaries, tar czf it all. */
    private static Result baseline(Path work, LocalRegistry reg, FileServer files) throws Exception {
        Path dir = Files.createDirectories(work.resolve("baseline/bundle"));
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("bin"));
        long start = System.nanoTime();
        for (String b : new TreeMap<>(BINARIES).keySet()) {
            Processes.run(List.of("curl", "-sSfo", dir.resolve("bin/" + b).toString(), files.base() + "/bin/" + b));
        }
        for (Img img : IMAGES) {
            String ref = reg.host() + "/k8s/" + img.repo() + ":v1";
            Processes.run(List.of("skopeo", "copy", "--quiet", "--src-tls-verify=false", "docker://" + ref,
                    "docker-archive:" + dir.resolve("images/" + img.repo() + ".tar") + ":" + ref));
        }
        double pull = (System.nanoTime() - start) / 1e9;
        Path out = work.resolve("baseline.tar.gz");
        List<String> tar = new ArrayList<>(List.of("tar", "czf", out.toString(), "-C", dir.getParent().toString(), "bundle"));
        Processes.run(tar);
        double secs = (System.nanoTime() - start) / 1e9;
        return new Result(Files.size(out), secs, 0, String.format("(skopeo+curl %.1f s, tar czf %.1f s)", pull, secs - pull));
    }

    private BundleBenchmark() {
    }

}
