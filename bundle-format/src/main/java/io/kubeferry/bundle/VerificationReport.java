package io.kubeferry.bundle;

import java.util.List;

/**
 * What {@link BundleVerifier} found.
 *
 * @param bundle   the directory or archive checked
 * @param manifest the bundle's manifest
 * @param issues   every problem, by file; empty when the bundle is intact
 */
public record VerificationReport(String bundle, BundleManifest manifest, List<FileIssue> issues) {
    public VerificationReport {
        issues = List.copyOf(issues);
    }

    public enum Kind {
        /** Listed in bundle.yaml but absent. */
        MISSING(true),
        /** Shorter than bundle.yaml says. */
        TRUNCATED(true),
        /** Longer than bundle.yaml says. */
        SIZE_CHANGED(true),
        /** Right size, wrong sha256. */
        TAMPERED(true),
        /** The archive itself ends early or is corrupt. */
        CORRUPT_ARCHIVE(true),
        /**
         * Something a bundle never holds: a path that climbs out or is absolute, a symlink, hard link, device or
         * fifo, setuid/setgid/sticky bits or more permissions than bundle.yaml records, an entry twice.
         */
        UNSAFE(true),
        /** Present but not listed (e.g. the user's own inventory.yaml): reported, not a failure. */
        UNEXPECTED(false);

        private final boolean failure;

        Kind(boolean failure) {
            this.failure = failure;
        }

        public boolean failure() {
            return failure;
        }
    }

    /** One problem with one file; {@code detail} says expected versus actual. */
    public record FileIssue(String path, Kind kind, String detail) {
        public String format() {
            return path + ": " + kind.name().toLowerCase().replace('_', ' ') + " (" + detail + ")";
        }
    }

    /** True when no issue is a failure: the bundle can be installed. */
    public boolean ok() {
        return issues.stream().noneMatch(i -> i.kind().failure());
    }

    public List<FileIssue> failures() {
        return issues.stream().filter(i -> i.kind().failure()).toList();
    }

    /** A human summary: one line per issue, or "ok" with the file count. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        if (ok()) {
            sb.append(bundle).append(": ok, ").append(manifest.files().size()).append(" files and ")
                    .append(manifest.images().size()).append(" images match bundle.yaml");
        } else {
            long unsafe = failures().stream().filter(i -> i.kind() == Kind.UNSAFE).count();
            long damaged = failures().size() - unsafe;
            sb.append(bundle).append(": ");
            if (unsafe > 0) {
                sb.append(unsafe).append(unsafe == 1 ? " entry" : " entries").append(" a bundle never holds (it holds regular"
                        + " files and directories only, inside it, with the modes bundle.yaml records): refused, do not"
                        + " install from it");
            }
            if (damaged > 0) {
                sb.append(unsafe > 0 ? "; " : "").append(damaged).append(" of ").append(manifest.files().size())
                        .append(" files do not match bundle.yaml; rebuild or copy the bundle again");
            }
        }
        for (FileIssue i : issues) {
            sb.append(System.lineSeparator()).append("  ").append(i.kind().failure() ? "" : "note: ").append(i.format());
        }
        return sb.toString();
    }
}
