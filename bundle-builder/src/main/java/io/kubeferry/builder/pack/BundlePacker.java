package io.kubeferry.builder.pack;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundleFormatException;
import io.kubeferry.bundle.BundleManifestYaml;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.Sha256;
import io.kubeferry.bundle.VerificationReport;
import io.kubeferry.errors.UnexpectedStateException;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Writes the bundle archive: a reproducible tar.gz (sorted entries, fixed mtime, root:root, explicit modes, gzip
 * members without timestamps, compressed on all cores) with everything under one top directory and
 * {@code bundle.yaml} last, its file list (size and sha256) computed while the bytes stream past: one pass, bounded
 * memory.
 */
public final class BundlePacker {
    /** 2026-01-01T00:00:00Z, the same fixed time the Maven build uses for its jars. */
    public static final long FIXED_MTIME = 1767225600L;

    /**
     * @param threads         compression threads (default: available processors)
     * @param chunkSize       bytes per gzip member
     * @param level           deflate level for compressible data
     * @param storeCompressed store already-compressed content (layers, archives) instead of deflating it again
     */
    public record Options(int threads, int chunkSize, int level, boolean storeCompressed) {
        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), 4 << 20, 6, true);
        }
    }

    /** What goes into an entry. */
    public sealed interface Content {
        long size() throws IOException;
    }

    public record FileContent(Path file) implements Content {
        @Override
        public long size() throws IOException {
            return Files.size(file);
        }
    }

    public record BytesContent(byte[] bytes) implements Content {
        @Override
        public long size() {
            return bytes.length;
        }
    }

    public record OciContent(OciArchive archive) implements Content {
        @Override
        public long size() {
            return archive.length();
        }
    }

    /**
     * One file of the bundle.
     *
     * @param path         relative to the bundle root, '/' separated
     * @param mode         0755 or 0644
     * @param compressible false for content already compressed (the compressor stores it)
     */
    public record Entry(String path, int mode, Content content, boolean compressible) {
    }

    /** The manifest fields that are not the file list. */
    public record ManifestHeader(String name, String kubernetesVersion, List<String> architectures,
                                 java.util.Map<String, String> versions, String imageArchive,
                                 List<BundleManifest.ImageEntry> images, List<BundleManifest.Binary> binaries) {
    }

    private final Options options;

    public BundlePacker(Options options) {
        this.options = options;
    }

    /**
     * Writes {@code output} (atomically, via a .part file removed on failure or interrupt), reads it back with
     * {@link BundleVerifier} and returns the manifest written into it.
     */
    public BundleManifest pack(ManifestHeader header, List<Entry> entries, Path output) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::path));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).path().equals(sorted.get(i - 1).path())) {
                throw new IllegalArgumentException("two files for " + sorted.get(i).path() + " in the bundle");
            }
        }
        TreeSet<String> dirs = new TreeSet<>();
        for (Entry e : sorted) {
            String p = e.path();
            for (int slash = p.indexOf('/'); slash >= 0; slash = p.indexOf('/', slash + 1)) {
                dirs.add(p.substring(0, slash + 1));
            }
        }
        // one ordered walk: directories and files interleaved by path
        List<Object> walk = new ArrayList<>(dirs);
        walk.addAll(sorted);
        walk.sort(Comparator.comparing(o -> o instanceof Entry e ? e.path() : (String) o));

        Path part = output.resolveSibling(output.getFileName() + ".part");
        Files.createDirectories(output.toAbsolutePath().getParent());
        List<BundleManifest.FileEntry> files = new ArrayList<>();
        BundleManifest manifest;
        // Ctrl-C or a kill while packing: the JVM runs shutdown hooks, so half an archive is not left behind
        Thread removePart = new Thread(() -> {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // exiting anyway
            }
        }, "remove " + part.getFileName());
        Runtime.getRuntime().addShutdownHook(removePart);
        try {
            try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(part), 1 << 20), options.threads(), options.chunkSize(),
                    options.level(), options.storeCompressed())) {
                TarWriter tar = new TarWriter(gz, FIXED_MTIME);
                String top = header.name() + "/";
                tar.directory(top, 0755);
                for (Object o : walk) {
                    if (o instanceof String dir) {
                        tar.directory(top + dir, 0755);
                        continue;
                    }
                    Entry e = (Entry) o;
                    long size = e.content().size();
                    gz.compressible(true); // headers compress well
                    tar.beginFile(top + e.path(), e.mode(), size);
                    gz.compressible(e.compressible());
                    Sha256.CountingDigestStream sink = new Sha256.CountingDigestStream(new NonClosing(gz));
                    writeContent(e.content(), sink, gz);
                    if (sink.count() != size) {
                        throw new IOException(e.path() + ": wrote " + sink.count() + " bytes, expected " + size
                                + " (a source changed while packing)");
                    }
                    gz.compressible(true);
                    tar.endFile(size);
                    files.add(new BundleManifest.FileEntry(e.path(), size, sink.hex(), e.mode()));
                }
                manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, header.name(), header.kubernetesVersion(),
                        header.architectures(), header.versions(), header.imageArchive(), files, header.images(),
                        header.binaries());
                byte[] yaml = BundleManifestYaml.toBytes(manifest);
                tar.file(top + BundleManifest.FILE_NAME, 0644, yaml.length, new ByteArrayInputStream(yaml));
                tar.finish();
            }
            verifyWritten(part, output);
            Files.move(part, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part); // never leave half an archive, or one that failed its check, behind
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(removePart);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway
            }
        }
        return manifest;
    }

    /**
     * Reads back what was written with the same verifier the installer runs: a bundle is called built only when it
     * would pass {@code installer verify} (nothing unsafe, every file as bundle.yaml lists it).
     */
    private static void verifyWritten(Path part, Path output) {
        VerificationReport report;
        try {
            report = new BundleVerifier().verifyArchive(part);
        } catch (BundleFormatException e) {
            throw new UnexpectedStateException("the bundle written for " + output + " fails its own check, so it was "
                    + "removed: " + e.getMessage(), e);
        }
        if (!report.ok()) {
            throw new UnexpectedStateException("the bundle written for " + output + " fails its own check, so it was "
                    + "removed (a bug or a source that changed while packing):" + System.lineSeparator() + report.format());
        }
    }

    private static void writeContent(Content c, OutputStream out, CompressionHint hint) throws IOException {
        if (c instanceof FileContent f) {
            try (InputStream in = Files.newInputStream(f.file())) {
                in.transferTo(out);
            }
        } else if (c instanceof BytesContent b) {
            out.write(b.bytes());
        } else if (c instanceof OciContent oci) {
            oci.archive().write(out, hint, FIXED_MTIME);
        }
    }

    /** Lets an entry's digest stream be closed without closing the archive. */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() {
        }
    }
}
