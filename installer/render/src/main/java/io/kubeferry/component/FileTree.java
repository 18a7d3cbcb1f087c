package io.kubeferry.component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        for (Map.Entry<String, List<RenderedFile>> e : output.filesByHost().entrySet()) {
            for (RenderedFile f : e.getValue()) {
                write(hostPath(dir, e.getKey(), f.path()), f.content(), f.mode());
            }
        }
        for (Addon a : output.addons()) {
            write(dir.resolve("cluster").resolve("addons").resolve(a.name() + ".yaml"), a.bytes(), 0644);
        }
    }

    public static void write(Path target, byte[] content, int mode) {
        try {
            Files.createDirectories(target.getParent());
            Files.write(target, content);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(target, permissions(mode));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }
}
