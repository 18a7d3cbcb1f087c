package io.kubeferry.render;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.Addon;
import io.kubeferry.component.ContentHash;
import io.kubeferry.component.FileTree;
import io.kubeferry.errors.BadInputException;

import io.kubeferry.files.LocalIoFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The review tree: {@code <out>/<host>/<absolute path on the host>} with the file's mode, {@code
 * <out>/cluster/addons/NN-<name>.yaml} numbered in apply order, and {@code <out>/index.txt} listing host, mode,
 * sha256 and path of every file (modes do not survive every copy; the index does).
 *
 * <p>Re-running replaces an earlier render in the same directory. A non-empty directory that is not an earlier
 * render is refused, so a typo in {@code -o} cannot wipe unrelated files.
 */
public final class OutputTree {
    public static final String MARKER = ".kubeferry-render";

    private OutputTree() {
    }

    public static void write(RenderedCluster cluster, Path outDir) {
        try {
            prepare(outDir);
            StringBuilder index = new StringBuilder();
            for (String host : cluster.hosts()) {
                for (HostFile f : cluster.filesFor(host)) {
                    Path target = hostPath(outDir, host, f.path());
                    writeFile(target, f.content(), f.mode());
                    index.append(host).append(' ').append(f.modeOctal()).append(' ').append(ContentHash.sha256Hex(f.content()))
                            .append(' ').append(f.path()).append('\n');
                }
            }
            List<Addon> addons = cluster.addons();
            for (int i = 0; i < addons.size(); i++) {
                Addon a = addons.get(i);
                String name = String.format("%02d-%s.yaml", i + 1, a.name());
                writeFile(outDir.resolve("cluster").resolve("addons").resolve(name), a.bytes(), 0644);
                index.append("cluster 0644 ").append(ContentHash.sha256Hex(a.bytes())).append(" addons/").append(name).append('\n');
            }
            for (String note : cluster.notes()) {
                index.append("# note: ").append(note).append('\n');
            }
            writeFile(outDir.resolve("index.txt"), index.toString().getBytes(StandardCharsets.UTF_8), 0644);
        } catch (IOException e) {
            throw LocalIoFailure.of(outDir, "write the render tree", e);
        }
    }

    /**
     * Refuses, before anything is written anywhere, an output that is a file or a non-empty directory that is not
     * an earlier render.
     */
    public static void check(Path outDir) {
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new BadInputException(outDir.toString(), "output path exists and is not a directory");
        }
        if (Files.isDirectory(outDir) && !Files.exists(outDir.resolve(MARKER))) {
            try (Stream<Path> s = Files.list(outDir)) {
                if (s.findAny().isPresent()) {
                    throw new BadInputException(outDir.toString(), "directory is not empty and is not an earlier render; "
                            + "give a new or empty directory");
                }
            } catch (IOException e) {
                throw LocalIoFailure.of(outDir, "read", e);
            }
        }
    }

    /** Where a host file lands in the tree. */
    public static Path hostPath(Path outDir, String host, String absolutePath) {
        return FileTree.hostPath(outDir, host, absolutePath);
    }

    private static void prepare(Path outDir) throws IOException {
        check(outDir);
        if (Files.isDirectory(outDir)) {
            // an earlier render: clear it so files of removed hosts or components do not linger
            try (Stream<Path> s = Files.walk(outDir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(outDir)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve(MARKER), "written by kubeferry render; this directory is replaced on re-render\n");
    }

    private static void writeFile(Path target, byte[] content, int mode) {
        FileTree.write(target, content, mode);
    }
}
