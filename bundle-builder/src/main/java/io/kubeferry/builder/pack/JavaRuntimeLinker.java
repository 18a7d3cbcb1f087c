package io.kubeferry.builder.pack;

import io.kubeferry.bundle.Sha256;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Makes the bundle's Java runtime with jlink: a fixed list of modules (what jdeps finds in the installer jar plus
 * the service providers it cannot see; {@code RuntimeModulesTest} runs jdeps to keep the list right, so no build
 * pays for jdeps), stripped, compressed, without the native graphics libraries, plus a class-data-sharing archive
 * of the classes {@code installer --help} loads, so every {@code ./install} starts faster.
 *
 * <p>The runtime is linked from a JDK built for old systems (glibc 2.17, as Eclipse Temurin builds are) so it
 * starts on RHEL/Rocky 8 and Ubuntu 20.04, not only where the bundle was built: see {@link #findPortableJdk}.
 * Results are cached by JDK and modules (the runtime) and by the installer jar's sha256 (the CDS archive).
 */
public final class JavaRuntimeLinker {
    /**
     * Modules of the runtime. jdeps names java.base, java.desktop (FreeMarker's object wrapper needs java.beans),
     * java.naming, java.security.jgss (JSch's gssapi-with-mic) and java.sql (FreeMarker's date types); it cannot see
     * the EC crypto and zip file system providers, nor JNDI DNS.
     */
    public static final List<String> MODULES = List.of("java.base", "java.compiler", "java.desktop", "java.naming",
            "java.security.jgss", "java.sql", "jdk.crypto.ec", "jdk.jfr", "jdk.naming.dns", "jdk.unsupported", "jdk.zipfs");
    /**
     * java.desktop's native libraries (AWT, fonts, colour, imaging, sound): only drawing loads them, and the
     * installer never draws; java.beans, the part it uses, is plain Java.
     */
    static final List<String> EXCLUDED_NATIVE = List.of("libawt*.so", "libfontmanager.so", "libfreetype.so",
            "liblcms.so", "libjavajpeg.so", "libmlib_image.so", "libsplashscreen.so", "libjsound.so", "libjawt.so");
    /** The oldest glibc the default runtime may need: RHEL/CentOS 7; RHEL 8 has 2.28, Ubuntu 20.04 2.31. */
    public static final ElfGlibc.Version PORTABLE_GLIBC = new ElfGlibc.Version(2, 17);
    /** Where the CDS archive sits in the runtime; the launcher passes it with -XX:SharedArchiveFile. */
    public static final String CDS_ARCHIVE = "lib/installer.jsa";
    /** Changes when the link options change, so cached runtimes made with older options are not reused. */
    private static final String OPTIONS_VERSION = "4";
    /** jlink's heap: its peak memory would otherwise follow the machine's size. */
    private static final String TOOL_HEAP = "-J-Xmx160m";

    /** A linked runtime. */
    public record Runtime(Path dir, Optional<Path> cdsArchive, Optional<ElfGlibc.Version> glibc) {
    }

    private final Path jdkHome;
    private final Path targetJdk;
    private final Path cacheRoot;
    private final PrintStream log;

    /**
     * @param jdkHome   the building JDK: runs jlink
     * @param targetJdk the JDK whose modules are linked (the same as jdkHome, or an unpacked JDK for another arch of
     *                  the same version: jlink links foreign-arch jmods only of its own version)
     */
    public JavaRuntimeLinker(Path jdkHome, Path targetJdk, Path cacheRoot, PrintStream log) {
        this.jdkHome = jdkHome;
        this.targetJdk = targetJdk;
        this.cacheRoot = cacheRoot;
        this.log = log;
    }

    /** The JDK running the builder. */
    public static Path currentJdk() {
        return Path.of(System.getProperty("java.home"));
    }

    /**
     * The default JDK for the runtime: the first of {@code candidates} (the running JDK first, then
     * {@code $JAVA_HOME} and {@code /usr/lib/jvm/*}) that can link a runtime (jlink and jmods, or a JDK 24+ linkable
     * image) of Java 17 or newer and whose libjvm.so needs no glibc newer than {@link #PORTABLE_GLIBC}; among those,
     * the lowest Java version (the installer is built for 17).
     */
    public static Optional<Path> findPortableJdk(List<Path> candidates) {
        List<Path> fit = new ArrayList<>();
        for (Path c : new LinkedHashSet<>(candidates)) {
            try {
                if (canLink(c) && ElfGlibc.requiredByFile(c.resolve("lib/server/libjvm.so"))
                        .map(v -> v.compareTo(PORTABLE_GLIBC) <= 0).orElse(false)) {
                    fit.add(c);
                }
            } catch (IOException e) {
                // not a usable JDK
            }
        }
        return fit.stream().min(Comparator.comparingInt(JavaRuntimeLinker::majorOrMax));
    }

    /** Where {@link #findPortableJdk} looks by default. */
    public static List<Path> defaultCandidates() {
        List<Path> out = new ArrayList<>(List.of(currentJdk()));
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isBlank()) {
            out.add(Path.of(javaHome));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> list = Files.list(jvms)) {
                list.filter(Files::isDirectory).sorted().forEach(out::add);
            } catch (IOException ignored) {
                // nothing more to look at
            }
        }
        return out;
    }

    private static boolean canLink(Path jdk) {
        int major = majorOrMax(jdk);
        return Files.isExecutable(jdk.resolve("bin/jlink")) && major >= 17 && major != Integer.MAX_VALUE
                && (Files.isDirectory(jdk.resolve("jmods")) || (major >= 24 && Files.isRegularFile(jdk.resolve("lib/modules"))));
    }

    /** The feature version from the JDK's release file, or MAX_VALUE when unknown. */
    static int majorOrMax(Path jdk) {
        try {
            Matcher m = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(jdk.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
        } catch (IOException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** Links (or reuses) a runtime for {@code installerJar}, with its CDS archive when the runtime runs here. */
    public Runtime link(Path installerJar) throws IOException, InterruptedException {
        Path jmods = targetJdk.resolve("jmods");
        Path jlink = jdkHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IOException("no jlink in " + jdkHome + " (pass a JDK with --jdk; --no-runtime skips the Java runtime)");
        }
        boolean fromImage = !Files.isDirectory(jmods);
        if (fromImage && !(targetJdk.toRealPath().equals(jdkHome.toRealPath()) && canLink(jdkHome))) {
            throw new IOException("no jmods in " + targetJdk + " (use a JDK with jmods or a JDK 24+ linkable build, name a "
                    + "JDK archive for the target arch under 'runtime: jdk:' in the spec, or use --no-runtime)");
        }
        int major = majorOrMax(jdkHome);
        String key = Sha256.ofBytes((OPTIONS_VERSION + "|" + jdkHome.toRealPath() + "|" + targetJdk.toRealPath() + "|"
                + Files.readString(targetJdk.resolve("release")) + "|" + String.join(",", MODULES))
                .getBytes(StandardCharsets.UTF_8));
        Path done = cacheRoot.resolve("runtimes").resolve(key);
        if (!Files.isDirectory(done)) {
            Files.createDirectories(done.getParent());
            Path tmp = done.resolveSibling(key + ".tmp");
            deleteTree(tmp);
            List<String> cmd = new ArrayList<>(List.of(jlink.toString(), TOOL_HEAP, "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1"));
            if (!fromImage) {
                cmd.addAll(List.of("--module-path", jmods.toString()));
            }
            cmd.addAll(List.of("--add-modules", String.join(",", MODULES), "--strip-debug", "--no-header-files",
                    "--no-man-pages", "--compress", major >= 21 ? "zip-6" : "2",
                    "--exclude-files", String.join(",", EXCLUDED_NATIVE.stream().map(n -> "**/" + n).toList()),
                    "--output", tmp.toString()));
            long start = System.nanoTime();
            log.println("linking the Java runtime (" + MODULES.size() + " modules) from " + targetJdk);
            run(cmd, tmp.getParent());
            log.printf("linked the Java runtime in %.1f s%n", (System.nanoTime() - start) / 1e9);
            Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        } else {
            log.println("Java runtime: cached (" + done + ")");
        }
        Optional<ElfGlibc.Version> glibc = ElfGlibc.required(done);
        Optional<Path> cds = installerJar == null ? Optional.empty() : cdsArchive(done, key, installerJar);
        return new Runtime(done, cds, glibc);
    }

    /**
     * A static CDS archive of the classes {@code installer --help} loads (JDK and installer classes), made by the
     * runtime itself; none when the runtime cannot run here (another architecture). The installer jar is dumped under
     * the name and mtime it has in the bundle, so the archive matches once unpacked (CDS checks both).
     */
    private Optional<Path> cdsArchive(Path runtime, String runtimeKey, Path installerJar) throws IOException,
            InterruptedException {
        String key = Sha256.ofBytes((runtimeKey + "|" + Sha256.ofFile(installerJar)).getBytes(StandardCharsets.UTF_8));
        Path done = cacheRoot.resolve("cds").resolve(key);
        Path archive = done.resolve("installer.jsa");
        if (Files.isRegularFile(archive)) {
            return Optional.of(archive);
        }
        Path java = runtime.resolve("bin/java");
        Path tmp = done.resolveSibling(key + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        try {
            Process probe = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            if (!probe.waitFor(1, TimeUnit.MINUTES) || probe.exitValue() != 0) {
                log.println("no CDS archive: the runtime does not run on this machine (another architecture)");
                return Optional.empty();
            }
        } catch (IOException e) {
            log.println("no CDS archive: the runtime does not run on this machine (" + e.getMessage() + ")");
            return Optional.empty();
        }
        Path jar = tmp.resolve("installer.jar");
        Files.copy(installerJar, jar);
        Files.setLastModifiedTime(jar, FileTime.from(BundlePacker.FIXED_MTIME, TimeUnit.SECONDS));
        log.println("making the CDS archive (classes of installer --help)");
        run(List.of(java.toString(), "-Xshare:off", "-XX:DumpLoadedClassList=loaded.classlist", "-jar", "installer.jar",
                "--help"), tmp);
        // the JVM lists classes in loading order, with ids and lambda entries that vary run to run: plain class
        // names, sorted, make the same archive every time
        List<String> names = Files.readAllLines(tmp.resolve("loaded.classlist")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith("@"))
                .map(l -> l.replaceFirst(" .*$", "")).distinct().sorted().toList();
        Files.write(tmp.resolve("installer.classlist"), names);
        Files.delete(tmp.resolve("loaded.classlist"));
        // the class path is recorded in the archive: /proc/self/cwd/ names the dump directory without its (machine
        // dependent) path, so the archive is the same bytes on every machine, and the JVM accepts the jar at any
        // other path at run time since the recorded one is absolute
        run(List.of(java.toString(), "-Xshare:dump", "-XX:SharedClassListFile=installer.classlist",
                "-XX:SharedArchiveFile=installer.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                "-cp", "/proc/self/cwd/installer.jar"), tmp);
        Files.delete(jar);
        Files.delete(tmp.resolve("installer.classlist"));
        deleteTree(done);
        Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        return Optional.of(archive);
    }

    private static String run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(Path.of(cmd.get(0)).getFileName() + " failed: " + out.strip());
        }
        return out;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
