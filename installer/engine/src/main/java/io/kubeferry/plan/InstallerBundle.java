package io.kubeferry.plan;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundleManifestYaml;
import io.kubeferry.errors.BadInputException;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The extracted bundle this installer runs from: installer.jar sits at its root, next to bundle.yaml and
 * templates/. Absent when the installer runs from a build tree (then the jar's built-in templates and the
 * default image lists are used).
 */
public record InstallerBundle(Path dir, BundleManifest manifest) {
    /** System property naming the bundle directory explicitly (tests, and running a jar from elsewhere). */
    public static final String DIR_PROPERTY = "kubeferry.bundle.dir";

    public Path templates() {
        return dir.resolve("templates");
    }

    /** The bundle next to this installer, or the one {@link #DIR_PROPERTY} names; empty when there is none. */
    public static Optional<InstallerBundle> current() {
        String prop = System.getProperty(DIR_PROPERTY);
        return at(prop != null ? Path.of(prop) : defaultDirectory());
    }

    /** The unpacked bundle at {@code dir}; empty when there is none (no bundle.yaml and templates/ there). */
    public static Optional<InstallerBundle> at(Path dir) {
        if (!Files.isRegularFile(dir.resolve("bundle.yaml")) || !Files.isDirectory(dir.resolve("templates"))) {
            return Optional.empty();
        }
        return Optional.of(new InstallerBundle(dir, readManifest(dir)));
    }

    /** The directory holding bundle.yaml above installer.jar, or the jar's own directory. */
    public static Path defaultDirectory() {
        try {
            Path jar = Path.of(InstallerBundle.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar : jar.getParent();
            for (Path p = dir; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("bundle.yaml"))) {
                    return p;
                }
            }
            return dir;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BundleManifest readManifest(Path bundle) {
        Path file = bundle.resolve("bundle.yaml");
        try {
            return BundleManifestYaml.read(file);
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file.toString(), "cannot read the bundle manifest ("
                    + e.getMessage() + "); run `installer verify` on the bundle, or unpack it again");
        }
    }
}
