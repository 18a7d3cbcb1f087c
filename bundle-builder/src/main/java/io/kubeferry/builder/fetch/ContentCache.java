package io.kubeferry.builder.fetch;

import io.kubeferry.bundle.Sha256;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * A content-addressed store on disk: every downloaded file and image blob lives once under
 * {@code sha256/<hex>}, so a rebuild (or another bundle sharing files) downloads nothing twice.
 * Partial downloads wait under {@code partial/} and are resumed. Small url-to-digest notes ({@code urls/}) remember
 * upstream checksum files, which are immutable for released artifacts.
 *
 * <p>Several builds may share one cache (CI runners do): whoever downloads a digest holds its lock
 * ({@link #lockDigest}) for the whole transfer, so {@code partial/<hex>} has one writer and the others find the
 * finished file in the store when they get the lock.
 */
public final class ContentCache {
    /**
     * Digest locks held in this JVM, by lock file. A file lock belongs to the process, not the thread: a second
     * channel on the same file in the same JVM cannot wait for it (it gets OverlappingFileLockException), and
     * closing that channel would release the first one's lock. So threads of one JVM queue here first, and only
     * one of them at a time opens the lock file. One entry per digest fetched; never removed (they are tiny).
     */
    private static final ConcurrentHashMap<Path, Semaphore> LOCKS_IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Path root;
    private final Path locks;

    public ContentCache(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("sha256"));
        Files.createDirectories(root.resolve("partial"));
        Files.createDirectories(root.resolve("urls"));
        this.locks = Files.createDirectories(root.resolve("locks")).toRealPath();
    }

    /** Held while one digest is downloaded into the cache; closing releases it. */
    public static final class DigestLock implements AutoCloseable {
        private final Semaphore inThisJvm;
        private final FileChannel channel;

        private DigestLock(Semaphore inThisJvm, FileChannel channel) {
            this.inThisJvm = inThisJvm;
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            try {
                channel.close(); // releases the file lock
            } finally {
                inThisJvm.release();
            }
        }
    }

    /**
     * Waits until no other thread or process downloads {@code hex} into this cache, then holds it: the
     * coordination between builds sharing the cache. The lock file stays (deleting it would race with a waiter).
     */
    public DigestLock lockDigest(String hex) throws IOException, InterruptedException {
        Path file = locks.resolve(hex);
        Semaphore inThisJvm = LOCKS_IN_THIS_JVM.computeIfAbsent(file, f -> new Semaphore(1));
        inThisJvm.acquire();
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                channel.lock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return new DigestLock(inThisJvm, channel);
        } catch (IOException | RuntimeException e) {
            inThisJvm.release();
            throw e;
        }
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
