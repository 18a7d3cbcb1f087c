package io.kubeferry.cli;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.plan.InstallerBundle;

import java.nio.file.Path;
import java.util.Optional;

/** {@code --bundle DIR}: an unpacked bundle other than the one this installer runs from. */
final class BundleOption {
    private BundleOption() {
    }

    /** The bundle at {@code dir} (exit 2 when there is none); this installer's own when {@code dir} is null. */
    static Optional<InstallerBundle> resolve(Path dir) {
        if (dir == null) {
            return InstallerBundle.current();
        }
        Optional<InstallerBundle> b = InstallerBundle.at(dir);
        if (b.isEmpty()) {
            throw new BadInputException("--bundle " + dir, "no unpacked bundle there (no bundle.yaml and"
                    + " templates/); name the directory that tar xzf made of the bundle");
        }
        return b;
    }
}
