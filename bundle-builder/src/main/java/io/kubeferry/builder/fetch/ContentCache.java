package io.kubeferry.builder.fetch;

import io.kubeferry.bundle.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A content-addressed store on disk: every downloaded file and image blob lives once under
 * {@code sha256/<hex>}, so a rebuild (or another bundle sharing files) downloads nothing twice.
 * Partial downloads wait under {@code partial/} and are resumed. Small url-to-digest notes ({@code urls/}) remember
 * upstream checksum files, which are immutable for released artifacts.
 */
public final class ContentCache {
    private final Path root;

    public ContentCache(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("sha256"));
        Files.createDirectories(root.resolve("partial"));
        Files.createDirectories(root.resolve("urls"));
    }

    /** The default location: $KUBEFERRY_CACHE, else ~/.cache/kubeferry. */
    public static Path defaultLocation() {
        String env = System.getenv("KUBEFERRY_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "kubeferry");
    }

    public Path root() {
        return root;
    }

    public Path path(String hex) {
        return root.resolve("sha256").resolve(hex);
    }

    public Optional<Path> find(String hex) {
        Path p = path(hex);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Where a download of {@code hex} (or of a key when the digest is not known yet) accumulates. */
    public Path partial(String key) {
        return root.resolve("partial").resolve(key);
    }

    /** Moves a verified file into the store. */
    public Path commit(Path verified, String hex) throws IOException {
        Path target = path(hex);
        try {
            Files.move(verified, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(verified, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Stores small content (a checksum file, a manifest) and returns its digest. */
    public String putBytes(byte[] content) throws IOException {
        String hex = Sha256.ofBytes(content);
        if (find(hex).isEmpty()) {
            Path tmp = Files.createTempFile(root.resolve("partial"), "put", ".tmp");
            Files.write(tmp, content);
            commit(tmp, hex);
        }
        return hex;
    }

    /** The digest of what {@code url} returned last time, if remembered. */
    public Optional<String> digestOfUrl(String url) throws IOException {
        Path note = root.resolve("urls").resolve(Sha256.ofBytes(url.getBytes(StandardCharsets.UTF_8)));
        if (!Files.isRegularFile(note)) {
            return Optional.empty();
        }
        String hex = Files.readString(note).trim();
        return find(hex).isPresent() ? Optional.of(hex) : Optional.empty();
    }

    public void rememberUrl(String url, String hex) throws IOException {
        Path note = root.resolve("urls").resolve(Sha256.ofBytes(url.getBytes(StandardCharsets.UTF_8)));
        Path tmp = Files.createTempFile(root.resolve("partial"), "url", ".tmp");
        Files.writeString(tmp, hex + "\n");
        Files.move(tmp, note, StandardCopyOption.REPLACE_EXISTING);
    }
}
