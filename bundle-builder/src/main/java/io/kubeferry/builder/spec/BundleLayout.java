package io.kubeferry.builder.spec;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundlePaths;
import java.util.List;
import java.util.Optional;

/**
 * Where the builder puts things in a bundle, so that paths from a spec can be checked against them before any
 * download: the packer's own files and trees are reserved, and a spec path must be a safe relative path.
 */
public final class BundleLayout {
    public static final String BIN_DIR = "bin";
    public static final String IMAGE_ARCHIVE = "images/images.tar";
    public static final String INSTALLER_JAR = "installer.jar";
    public static final String LAUNCHER = "install";
    public static final String README = "README.md";
    public static final String INVENTORY_EXAMPLE = "inventory.example.yaml";
    public static final String RUNTIME_DIR = "runtime";
    public static final String TEMPLATES_DIR = "templates";

    /** Files the packer writes itself. */
    private static final List<String> RESERVED_FILES = List.of(BundleManifest.FILE_NAME, LAUNCHER, INSTALLER_JAR, README,
            INVENTORY_EXAMPLE, IMAGE_ARCHIVE);
    /** Trees the packer fills from elsewhere (the linked runtime, the repository's templates). */
    private static final List<String> RESERVED_DIRS = List.of(RUNTIME_DIR, TEMPLATES_DIR);

    private BundleLayout() {
    }

    /** The path of a binary: {@code bin/<arch>/<file>}. */
    public static String binaryPath(String arch, String file) {
        return BIN_DIR + "/" + arch + "/" + file;
    }

    /** The last segment of a URL without query or fragment: a binary's default file name. */
    public static String lastSegment(String url) {
        String u = url.replaceFirst("[?#].*$", "");
        return u.substring(u.lastIndexOf('/') + 1);
    }

    /** Why a spec may not put a file at {@code path}, or empty when it may. */
    public static Optional<String> problem(String path) {
        Optional<String> unsafe = BundlePaths.unsafe(path);
        if (unsafe.isPresent()) {
            return Optional.of("'" + path + "' " + unsafe.get() + "; give a relative path inside the bundle like extra/ca.crt");
        }
        for (String f : RESERVED_FILES) {
            if (path.equals(f) || f.startsWith(path + "/")) {
                return Optional.of("'" + path + "' is where the bundle's own " + f + " goes; choose another path");
            }
            if (path.startsWith(f + "/")) { // the archive would hold f both as a file and as a directory
                return Optional.of("'" + path + "' is under the bundle's own file " + f + "; choose another path");
            }
        }
        for (String d : RESERVED_DIRS) {
            if (path.equals(d) || path.startsWith(d + "/")) {
                return Optional.of("'" + path + "' " + (path.equals(d) ? "is" : "is inside") + " the " + d
                        + "/ directory, which the builder fills itself; choose another path");
            }
        }
        return Optional.empty();
    }
}
