package io.kubeferry.builder.pack;

import io.kubeferry.bundle.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Makes the bundle's Java runtime with jlink: only the modules the installer needs (found with jdeps, plus the
 * service providers jdeps cannot see), stripped. Needs a JDK with jmods for the target architecture: the building
 * JDK when the architectures match (Debian's openjdk-17-jdk has them), or the one named with {@code --jdk}.
 * Results are cached by JDK, modules and installer so a rebuild does not link again.
 */
public final class JavaRuntimeLinker {
    /** Modules jdeps cannot see: EC crypto for SSH key exchange, the zip file system, DNS. */
    static final List<String> ALWAYS = List.of("jdk.crypto.ec", "jdk.zipfs", "jdk.naming.dns");
    /** Used when jdeps is not available or fails. */
    static final List<String> FALLBACK = List.of("java.base", "java.desktop", "java.logging", "java.management",
            "java.naming", "java.net.http", "java.scripting", "java.sql", "java.xml", "jdk.unsupported");

    private final Path jdkHome;
    private final Path targetJdk;
    private final Path cacheRoot;

    /**
     * @param jdkHome   the building JDK: runs jlink and jdeps
     * @param targetJdk the JDK whose jmods are linked (the same as jdkHome, or an unpacked JDK for another arch of
     *                  the same version: jlink links foreign-arch jmods only of its own version)
     */
    public JavaRuntimeLinker(Path jdkHome, Path targetJdk, Path cacheRoot) {
        this.jdkHome = jdkHome;
        this.targetJdk = targetJdk;
        this.cacheRoot = cacheRoot;
    }

    /** The building JDK, if it has jmods. */
    public static Path currentJdk() {
        return Path.of(System.getProperty("java.home"));
    }

    /** Links (or reuses) a runtime for {@code installerJar}; returns its directory. */
    public Path link(Path installerJar) throws IOException, InterruptedException {
        Path jmods = targetJdk.resolve("jmods");
        Path jlink = jdkHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IOException("no jlink in " + jdkHome + " (install openjdk-17-jdk or pass --jdk; --no-runtime skips "
                    + "the Java runtime)");
        }
        if (!Files.isDirectory(jmods)) {
            throw new IOException("no jmods in " + targetJdk + " (install openjdk-17-jdk, name a JDK archive for the target "
                    + "arch under 'runtime: jdk:' in the spec, or use --no-runtime)");
        }
        List<String> modules = modules(installerJar);
        String key = Sha256.ofBytes((jdkHome.toRealPath() + "|" + targetJdk.toRealPath() + "|"
                + Files.readString(targetJdk.resolve("release")) + "|"
                + String.join(",", modules)).getBytes(StandardCharsets.UTF_8));
        Path done = cacheRoot.resolve("runtimes").resolve(key);
        if (Files.isDirectory(done)) {
            return done;
        }
        Files.createDirectories(done.getParent());
        Path tmp = done.resolveSibling(key + ".tmp");
        deleteTree(tmp);
        run(List.of(jlink.toString(), "--module-path", jmods.toString(), "--add-modules", String.join(",", modules),
                "--strip-debug", "--no-header-files", "--no-man-pages", "--compress=2", "--output", tmp.toString()));
        Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        return done;
    }

    /** Modules the installer jar needs, sorted. */
    List<String> modules(Path installerJar) throws InterruptedException {
        TreeSet<String> mods = new TreeSet<>(ALWAYS);
        Path jdeps = jdkHome.resolve("bin/jdeps");
        if (installerJar != null && Files.isExecutable(jdeps)) {
            try {
                String out = run(List.of(jdeps.toString(), "--multi-release", "17", "--ignore-missing-deps",
                        "--print-module-deps", installerJar.toString()));
                String line = out.strip().lines().reduce((a, b) -> b).orElse("");
                if (!line.isBlank() && !line.contains(" ")) {
                    for (String m : line.split(",")) {
                        mods.add(m.trim());
                    }
                    return new ArrayList<>(mods);
                }
            } catch (IOException e) {
                // fall through to the fixed list
            }
        }
        mods.addAll(FALLBACK);
        return new ArrayList<>(mods);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(cmd.get(0) + " failed: " + out.strip());
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
