package io.kubeferry.builder.cli;

import io.kubeferry.builder.check.SpecChecker;
import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.pack.BundleBuilder;
import io.kubeferry.builder.pack.BundlePacker;
import io.kubeferry.builder.pack.JavaRuntimeLinker;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryCredentials;
import io.kubeferry.builder.spec.BundleSpec;
import io.kubeferry.builder.spec.SpecReader;
import io.kubeferry.bundle.BundleFormatException;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.DamagedArchiveException;
import io.kubeferry.bundle.VerificationReport;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.ExitCode;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.Problem;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bundle-builder build|verify}. Thin: parse, call the service, map failures to exit codes
 * (0 ok, 1 a download or registry failed, 2 bad input, 3 unexpected state such as a checksum mismatch or a
 * damaged bundle, 4 a bug).
 */
@Command(name = "bundle-builder", mixinStandardHelpOptions = true, version = "bundle-builder 0.1.0",
        description = "Builds and checks Kubeferry offline bundles.",
        subcommands = {BundleBuilderCli.Build.class, BundleBuilderCli.Check.class, BundleBuilderCli.Verify.class})
public final class BundleBuilderCli implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new BundleBuilderCli());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            err.println("error: " + message(e));
            if (exitCode(e) == ExitCode.INTERNAL.code()) {
                e.printStackTrace(err);
            }
            return exitCode(e);
        });
        cl.setExitCodeExceptionMapper(BundleBuilderCli::exitCode);
        return cl.execute(args);
    }

    static int exitCode(Throwable e) {
        if (e instanceof CommandLine.ParameterException) {
            return ExitCode.BAD_INPUT.code();
        }
        if (e instanceof KubeferryException k) {
            return k.exitCode().code();
        }
        if (e instanceof DamagedArchiveException) { // truncated, corrupt or unsafe: unexpected state, not bad input
            return ExitCode.UNEXPECTED_STATE.code();
        }
        if (e instanceof BundleFormatException) {
            return ExitCode.BAD_INPUT.code();
        }
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return ExitCode.HOST_FAILURE.code();
        }
        return ExitCode.INTERNAL.code();
    }

    static String message(Throwable e) {
        if (e instanceof BadInputException b) {
            return b.problems().size() + " problem(s):" + b.problems().stream().map(Problem::format)
                    .collect(Collectors.joining(System.lineSeparator() + "  ", System.lineSeparator() + "  ", ""));
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.err);
        return ExitCode.BAD_INPUT.code();
    }

    @Command(name = "build", mixinStandardHelpOptions = true, description = "Build a bundle from a bundle spec.")
    static final class Build implements Callable<Integer> {
        @Option(names = {"-f", "--spec"}, required = true, description = "bundle spec YAML (e.g. bundle-builder/specs/kubernetes-1.34.yaml)")
        Path spec;
        @Option(names = {"-o", "--output"}, description = "output archive (default: <bundle name>.tar.gz)")
        Path output;
        @Option(names = "--installer-jar", description = "installer jar to include (installer/cli/target/installer.jar)")
        Path installerJar;
        @Option(names = "--templates", description = "templates directory to include (default: ./templates if present)")
        Path templates;
        @Option(names = "--inventory-example", description = "example inventory (default: ./inventory.example.yaml if present)")
        Path inventoryExample;
        @Option(names = "--no-runtime", description = "leave out the jlink'd Java runtime")
        boolean noRuntime;
        @Option(names = "--jdk", description = "JDK whose jlink and modules make the bundled runtime; use one built for glibc 2.17 "
                + "(Eclipse Temurin) so the runtime starts on old hosts. A spec's runtime.jdk archive for the target arch "
                + "supplies the jmods instead (default: a glibc-2.17 JDK found here, else the running JDK)")
        Path jdk;
        @Option(names = "--cache", description = "download cache (default: $KUBEFERRY_CACHE or ~/.cache/kubeferry)")
        Path cache;
        @Option(names = "--parallel", defaultValue = "4", description = "concurrent downloads (default: ${DEFAULT-VALUE})")
        int parallel;
        @Option(names = "--threads", description = "compression threads (default: number of cores)")
        Integer threads;
        @Option(names = "--level", defaultValue = "6", description = "gzip level for compressible data (default: ${DEFAULT-VALUE})")
        int level;
        @Option(names = "--recompress-layers", description = "deflate already-compressed layers again instead of storing them")
        boolean recompress;
        @Option(names = "--stall-timeout", defaultValue = "60", paramLabel = "SECONDS",
                description = "cut and retry (resuming) a download that receives no byte for this long (default: ${DEFAULT-VALUE})")
        int stallTimeoutSeconds;

        @Override
        public Integer call() throws Exception {
            PrintStream log = System.err;
            checkOptions(); // before the spec is read and anything downloaded
            BundleSpec bundleSpec = new SpecReader().read(spec);
            ContentCache contentCache = new ContentCache(cache != null ? cache : ContentCache.defaultLocation());
            Downloader downloader = new Downloader(Downloader.defaultClient(), contentCache, new ConsoleProgress(log), 5,
                    Duration.ofMillis(500), Duration.ofSeconds(stallTimeoutSeconds));
            RegistryCredentials creds = credentials(bundleSpec);
            Set<String> plain = bundleSpec.registries().stream().filter(BundleSpec.RegistrySettings::plainHttp)
                    .map(BundleSpec.RegistrySettings::host).collect(Collectors.toSet());
            RegistryClient registry = new RegistryClient(RegistryClient.defaultClient(), downloader, creds, plain::contains);
            BundlePacker.Options defaults = BundlePacker.Options.defaults();
            BundlePacker packer = new BundlePacker(new BundlePacker.Options(threads != null ? threads : defaults.threads(),
                    defaults.chunkSize(), level, !recompress));
            Path templatesDir = templates != null ? templates : existing(Path.of("templates"));
            Path example = inventoryExample != null ? inventoryExample : existing(Path.of("inventory.example.yaml"));
            if (installerJar == null) {
                log.println("warning: no --installer-jar: the bundle will not contain the installer");
            } else if (example == null) {
                // run outside the repository root: the example sits in the repository the installer jar was built in
                example = nextToJar(installerJar, "inventory.example.yaml");
            }
            if (templatesDir == null) {
                log.println(installerJar != null ? "note: no ./templates: the bundle carries the installer jar's built-in templates"
                        : "warning: no ./templates and no --installer-jar: the bundle will carry no templates (pass --templates DIR)");
            }
            if (example == null) {
                log.println("warning: no inventory.example.yaml found (./ or near the installer jar): pass --inventory-example FILE");
            }
            // a spec's runtime.jdk archive is linked by a jlink of its own Java version: the running JDK, as before
            boolean specJdk = bundleSpec.architectures().size() == 1
                    && bundleSpec.jdks().containsKey(bundleSpec.architectures().get(0));
            Path jdkHome = noRuntime ? null : jdk != null ? jdk : specJdk ? JavaRuntimeLinker.currentJdk() : defaultJdk(log);
            Path out = output != null ? output : Path.of(BundleBuilder.bundleName(bundleSpec) + ".tar.gz");
            BundleBuilder.Result r = new BundleBuilder(downloader, registry, packer, log).build(bundleSpec,
                    new BundleBuilder.Inputs(installerJar, templatesDir, example, jdkHome, parallel), out);
            System.out.printf("built %s: %d files, %d images, %.1f MB in %.1f s%n", r.output(), r.manifest().files().size(),
                    r.manifest().images().size(), r.bytes() / 1e6, r.elapsed().toMillis() / 1000.0);
            return 0;
        }

        /** Every flag checked at once, before any work: exit 2 naming each bad flag. */
        private void checkOptions() {
            List<Problem> problems = new ArrayList<>();
            if (parallel < 1) {
                problems.add(Problem.error("--parallel", "must be at least 1, got " + parallel));
            }
            if (threads != null && threads < 1) {
                problems.add(Problem.error("--threads", "must be at least 1, got " + threads));
            }
            if (level < 0 || level > 9) {
                problems.add(Problem.error("--level", "gzip levels are 0 (store) to 9 (smallest), got " + level));
            }
            if (stallTimeoutSeconds <= 0) {
                problems.add(Problem.error("--stall-timeout", "must be a positive number of seconds, got " + stallTimeoutSeconds));
            }
            if (!Files.isRegularFile(spec)) {
                problems.add(Problem.error("--spec", spec + " does not exist or is not a file"));
            }
            if (installerJar != null && !Files.isRegularFile(installerJar)) {
                problems.add(Problem.error("--installer-jar", installerJar + " does not exist (build it: mvn -pl installer/cli -am package)"));
            }
            if (templates != null && !Files.isDirectory(templates)) {
                problems.add(Problem.error("--templates", templates + " is not a directory"));
            }
            if (inventoryExample != null && !Files.isRegularFile(inventoryExample)) {
                problems.add(Problem.error("--inventory-example", inventoryExample + " does not exist"));
            }
            if (jdk != null && !noRuntime && !Files.isExecutable(jdk.resolve("bin/jlink"))) {
                problems.add(Problem.error("--jdk", jdk + " is not a JDK (no bin/jlink); name the JDK's home directory"));
            }
            // an existing directory is fine: the bundle is written inside it as <bundle name>.tar.gz
            if (output != null && output.toAbsolutePath().getParent() != null
                    && !Files.isDirectory(output.toAbsolutePath().getParent())) {
                problems.add(Problem.error("--output", "the directory " + output.toAbsolutePath().getParent() + " does not exist"));
            }
            if (cache != null && Files.exists(cache) && !Files.isDirectory(cache)) {
                problems.add(Problem.error("--cache", cache + " is not a directory"));
            }
            if (!problems.isEmpty()) {
                throw new BadInputException(problems);
            }
        }

        /** A portable JDK (glibc 2.17) when this machine has one, else the running JDK with a warning. */
        private static Path defaultJdk(PrintStream log) {
            return JavaRuntimeLinker.findPortableJdk(JavaRuntimeLinker.defaultCandidates()).orElseGet(() -> {
                log.println("warning: no JDK built for glibc " + JavaRuntimeLinker.PORTABLE_GLIBC + " found (looked at the "
                        + "running one, $JAVA_HOME and /usr/lib/jvm): the runtime is linked from " + JavaRuntimeLinker.currentJdk()
                        + " and may not start on older hosts; pass --jdk with an Eclipse Temurin JDK 17+");
                return JavaRuntimeLinker.currentJdk();
            });
        }

        /** {@code name} in the repository holding the installer jar (installer/cli/target/installer.jar), if there. */
        static Path nextToJar(Path jar, String name) {
            for (Path dir = jar.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve(name))) {
                    return dir.resolve(name);
                }
                if (Files.isDirectory(dir.resolve(".git")) || Files.isRegularFile(dir.resolve(".git"))) {
                    return null; // the repository's root: no further
                }
            }
            return null;
        }

        private static Path existing(Path p) {
            return Files.exists(p) ? p : null;
        }

        static RegistryCredentials credentials(BundleSpec spec) throws IOException {
            RegistryCredentials c = new RegistryCredentials();
            for (BundleSpec.RegistrySettings r : spec.registries()) {
                if (r.username() != null && r.password() != null) {
                    c.put(r.host(), new RegistryCredentials.Login(r.username(), r.password()));
                }
            }
            c.addDockerConfig(RegistryCredentials.dockerConfigPath());
            return c;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = "On a connected machine, before a build: resolve "
            + "every URL of a spec (HEAD, checksum file lists it) and every image tag to a digest for every platform, "
            + "downloading no binary and no layer; prints a table. Exit 0 all found, 2 something named is missing, 1 a "
            + "server failed.")
    static final class Check implements Callable<Integer> {
        @Option(names = {"-f", "--spec"}, required = true, description = "bundle spec YAML")
        Path spec;
        @Option(names = "--cache", description = "cache for checksum files and manifests (default: $KUBEFERRY_CACHE or ~/.cache/kubeferry)")
        Path cache;
        @Option(names = "--parallel", defaultValue = "8", description = "concurrent checks (default: ${DEFAULT-VALUE})")
        int parallel;

        @Override
        public Integer call() throws Exception {
            if (parallel < 1) {
                throw new BadInputException("--parallel", "must be at least 1, got " + parallel);
            }
            if (!Files.isRegularFile(spec)) {
                throw new BadInputException("--spec", spec + " does not exist or is not a file");
            }
            BundleSpec bundleSpec = new SpecReader().read(spec);
            Downloader downloader = new Downloader(Downloader.defaultClient(),
                    new ContentCache(cache != null ? cache : ContentCache.defaultLocation()), new ConsoleProgress(System.err),
                    3, Duration.ofMillis(500), Duration.ofSeconds(30));
            Set<String> plain = bundleSpec.registries().stream().filter(BundleSpec.RegistrySettings::plainHttp)
                    .map(BundleSpec.RegistrySettings::host).collect(Collectors.toSet());
            RegistryClient registry = new RegistryClient(RegistryClient.defaultClient(), downloader, Build.credentials(bundleSpec),
                    plain::contains);
            List<SpecChecker.Row> rows = new SpecChecker(Downloader.defaultClient(), downloader, registry)
                    .check(bundleSpec, parallel);
            System.out.print(SpecChecker.table(rows));
            long missing = rows.stream().filter(SpecChecker.Row::notFound).count();
            long failed = rows.stream().filter(r -> !r.ok()).count();
            System.out.printf("%d checked: %d ok, %d missing, %d failed%n", rows.size(), rows.size() - failed, missing,
                    failed - missing);
            return missing > 0 ? ExitCode.BAD_INPUT.code() : failed > 0 ? ExitCode.HOST_FAILURE.code() : 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check a bundle (archive or extracted directory) against its bundle.yaml.")
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", description = "bundle .tar.gz or extracted bundle directory")
        Path bundle;

        @Override
        public Integer call() {
            if (!Files.exists(bundle)) {
                throw new BadInputException(bundle.toString(), "no such file or directory");
            }
            VerificationReport report = new BundleVerifier().verify(bundle);
            if (report.ok()) {
                System.out.println(report.format());
                return 0;
            }
            System.err.println(report.format());
            return ExitCode.UNEXPECTED_STATE.code();
        }
    }
}
