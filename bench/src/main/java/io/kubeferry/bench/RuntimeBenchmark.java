package io.kubeferry.bench;

import io.kubeferry.builder.pack.JavaRuntimeLinker;
import io.kubeferry.builder.support.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bundled Java runtime: its size against what the builder linked before (the building JDK, jdeps' module list
 * with java.desktop's native libraries, no CDS), {@code ./install --help} start time with and without the CDS archive,
 * and the peak RSS of a whole build (its own JVM, like users run it) cold (jlink runs) and warm (runtime cached)
 * against the jdeps run every build used to make.
 *
 * <p>Run: {@code java -cp bench/target/bench.jar io.kubeferry.bench.RuntimeBenchmark [installer.jar]}
 */
public final class RuntimeBenchmark {
    private static final int RUNS = 10;

    public static void main(String[] args) throws Exception {
        Path installer = Path.of(args.length > 0 ? args[0] : "installer/cli/target/installer.jar").toAbsolutePath();
        if (!Files.isRegularFile(installer)) {
            throw new IllegalStateException(installer + " missing: build the installer first");
        }
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), "kf-runtime-bench");
        try {
            run(installer, work);
        } finally {
            Processes.exec(List.of("rm", "-rf", work.toString()));
        }
    }

    private static void run(Path installer, Path work) throws Exception {
        Path jdk = JavaRuntimeLinker.currentJdk();
        String java = jdk.resolve("bin/java").toString();
        String classpath = System.getProperty("java.class.path");

        // before: what the builder did on every build (jdeps), and the runtime it linked
        String[] jdeps = timed(List.of(jdk.resolve("bin/jdeps").toString(), "--multi-release", "17", "--ignore-missing-deps",
                "--print-module-deps", installer.toString()));
        List<String> oldModules = new ArrayList<>(Arrays.asList(jdeps[0].strip().lines().reduce((a, b) -> b).orElseThrow()
                .split(",")));
        oldModules.addAll(List.of("jdk.crypto.ec", "jdk.zipfs", "jdk.naming.dns"));
        Path old = work.resolve("old-runtime");
        Processes.run(List.of(jdk.resolve("bin/jlink").toString(), "--module-path", jdk.resolve("jmods").toString(),
                "--add-modules", String.join(",", oldModules), "--strip-debug", "--no-header-files", "--no-man-pages",
                "--compress=2", "--output", old.toString()));

        // before trimming, from the same portable JDK the builder now picks: jdeps' modules, nothing stripped
        Path portable = JavaRuntimeLinker.findPortableJdk(JavaRuntimeLinker.defaultCandidates()).orElse(jdk);
        Path untrimmed = work.resolve("untrimmed-runtime");
        List<String> untrimmedCmd = new ArrayList<>(List.of(portable.resolve("bin/jlink").toString()));
        if (Files.isDirectory(portable.resolve("jmods"))) {
            untrimmedCmd.addAll(List.of("--module-path", portable.resolve("jmods").toString()));
        }
        untrimmedCmd.addAll(List.of("--add-modules", String.join(",", oldModules), "--output", untrimmed.toString()));
        Processes.run(untrimmedCmd);

        // after: the CLI as users run it, in its own JVM, cold then warm
        Path spec = work.resolve("spec.yaml");
        Files.writeString(spec, "kubernetesVersion: 1.34.1\narchitectures: [amd64]\n");
        List<String> build = List.of(java, "-Xmx64m", "-cp", classpath, "io.kubeferry.builder.cli.BundleBuilderCli", "build",
                "-f", spec.toString(), "--installer-jar", installer.toString(), "--cache", work.resolve("cache").toString(),
                "-o", work.resolve("bundle.tar.gz").toString());
        String[] cold = timed(build);
        String[] warm = timed(build);
        Processes.run(List.of("tar", "xzf", work.resolve("bundle.tar.gz").toString(), "-C", work.toString()));
        Path bundle = work.resolve("kubeferry-1.34.1-linux-amd64");
        Path runtime = bundle.resolve("runtime");
        Path jsa = runtime.resolve(JavaRuntimeLinker.CDS_ARCHIVE);
        long oldSize = du(old);
        long newSize = du(runtime);
        long jsaSize = Files.size(jsa);

        long untrimmedSize = du(untrimmed);
        System.out.printf("runtime size: untrimmed %.1f MB (%s, jdeps' %d modules, not stripped nor compressed); trimmed "
                + "%.1f MB without the CDS archive (%.2fx)%n", untrimmedSize / 1e6, portable, oldModules.size(),
                (newSize - jsaSize) / 1e6, (double) (newSize - jsaSize) / untrimmedSize);
        System.out.printf("              the builder's runtime before: %.1f MB (%s, %d modules with java.desktop's native "
                + "libraries, %s)%n", oldSize / 1e6, jdk, oldModules.size(), glibc(old));
        System.out.printf("              after  %.1f MB (%.2fx) without the CDS archive, %.1f MB (%.2fx) with its %.1f MB archive (%s)%n",
                (newSize - jsaSize) / 1e6, (double) (newSize - jsaSize) / oldSize, newSize / 1e6, (double) newSize / oldSize,
                jsaSize / 1e6, glibc(runtime));
        System.out.printf("              gzip'd in the bundle: before %.1f MB, after %.1f MB (%.2fx)%n", gz(old) / 1e6,
                gz(runtime) / 1e6, (double) gz(runtime) / gz(old));

        String jar = bundle.resolve("installer.jar").toString();
        double oldStart = median(List.of(old.resolve("bin/java").toString(), "-jar", jar, "--help"));
        double noCds = median(List.of(runtime.resolve("bin/java").toString(), "-jar", jar, "--help"));
        double withCds = median(List.of(runtime.resolve("bin/java").toString(), "-XX:SharedArchiveFile=" + jsa, "-Xshare:auto",
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-jar", jar, "--help"));
        double launcher = median(List.of("env", "KUBEFERRY_SKIP_VERIFY=1", bundle.resolve("install").toString(), "--help"));
        System.out.printf("installer --help (median of %d fresh JVMs): old runtime %.0f ms; new runtime without CDS %.0f ms, "
                + "with CDS %.0f ms (%.2fx faster than without, %.2fx than the old runtime)%n", RUNS, oldStart, noCds, withCds,
                noCds / withCds, oldStart / withCds);
        System.out.printf("./install --help (KUBEFERRY_SKIP_VERIFY=1: the runtime's sha256 check + CDS start) %.0f ms%n", launcher);
        System.out.printf("peak RSS: jdeps (ran on every build before) %s MB; build now: cold %s MB (jlink is the peak) in %s s, "
                + "warm %s MB in %s s (jdeps no longer runs)%n", mb(jdeps[1]), mb(cold[1]), cold[2], mb(warm[1]), warm[2]);
    }

    /** {output, max RSS KB, seconds} from GNU time. */
    private static String[] timed(List<String> cmd) throws Exception {
        Path f = Files.createTempFile("kf-time", ".txt");
        try {
            List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-o", f.toString(), "-f", "%M %e"));
            full.addAll(cmd);
            Processes.Result r = Processes.exec(full);
            if (r.exit() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + ": " + r.out() + r.stderr());
            }
            String[] t = Files.readString(f).strip().lines().reduce((a, b) -> b).orElseThrow().split(" ");
            return new String[] {r.out(), t[0], t[1]};
        } finally {
            Files.delete(f);
        }
    }

    private static String mb(String kb) {
        return String.format("%.0f", Long.parseLong(kb) / 1024.0);
    }

    private static double median(List<String> cmd) throws Exception {
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long s = System.nanoTime();
            Processes.Result r = Processes.exec(cmd);
            ms[i] = (System.nanoTime() - s) / 1e6;
            if (r.exit() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + ": " + r.stderr());
            }
        }
        Arrays.sort(ms);
        return ms[RUNS / 2];
    }

    private static long du(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            long total = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    private static long gz(Path dir) throws Exception {
        return Long.parseLong(Processes.run(List.of("sh", "-c", "tar -C '" + dir + "' -cf - . | gzip -6 | wc -c")).strip());
    }

    private static String glibc(Path dir) throws Exception {
        return io.kubeferry.builder.pack.ElfGlibc.required(dir).map(v -> "needs glibc " + v).orElse("no glibc need");
    }
}
