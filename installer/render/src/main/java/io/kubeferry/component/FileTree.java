package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.files.PrivateFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes rendered files under a directory as {@code <dir>/<host>/<absolute host path>}, keeping their modes. */
public final class FileTree {
    private FileTree() {
    }

    /** Where a host file lands in the tree; a path that would leave the host's directory is refused. */
    public static Path hostPath(Path dir, String host, String absolutePath) {
        Path hostRoot = dir.resolve(host).normalize();
        Path p = hostRoot.resolve(absolutePath.substring(1)).normalize();
        if (!p.startsWith(hostRoot) || p.equals(hostRoot)) {
            throw new IllegalArgumentException("path escapes the host directory: " + absolutePath);
        }
        return p;
    }

    /** Writes every host's files and the addons ({@code <dir>/cluster/addons/<name>.yaml}). */
    public static void write(ComponentOutput output, Path dir) {
        for (Map.Entry<String, List<HostFile>> e : output.filesByHost().entrySet()) {
            for (HostFile f : e.getValue()) {
                write(hostPath(dir, e.getKey(), f.path()), f.content(), f.mode());
            }
        }
        for (Addon a : output.addons()) {
            write(dir.resolve("cluster").resolve("addons").resolve(a.name() + ".yaml"), a.bytes(), 0644);
        }
    }

    /**
     * Writes one file with its final mode from the first byte (a key rendered with --with-secrets is never
     * readable by others, not even while it is written) and moves it into place atomically; whatever was at
     * {@code target} (a link included) is replaced, never written through.
     */
    public static void write(Path target, byte[] content, int mode) {
        try {
            PrivateFiles.write(target, content, mode, 0755);
        } catch (IOException e) {
            throw LocalIoFailure.of(target, "write", e);
        }
    }
}
