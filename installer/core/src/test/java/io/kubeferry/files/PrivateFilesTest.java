package io.kubeferry.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

class PrivateFilesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void writesWithTheModeAndMakesPrivateParents() throws Exception {
        Path key = dir.resolve("a/b/ca.key");
        PrivateFiles.write(key, "secret".getBytes(), 0600, 0700);
        assertEquals("rw-------", mode(key));
        assertEquals("rwx------", mode(dir.resolve("a")));
        assertEquals("rwx------", mode(dir.resolve("a/b")));
        PrivateFiles.write(key, "new".getBytes(), 0644, 0700);
        assertEquals("new", Files.readString(key));
        assertEquals("rw-r--r--", mode(key));
        try (var s = Files.list(key.getParent())) {
            assertEquals(1, s.count(), "a temp file was left behind");
        }
    }

    @Test
    void copyStreamsAndModeBitsMapBothWays() throws Exception {
        Path f = dir.resolve("x.sh");
        PrivateFiles.copy(new ByteArrayInputStream(new byte[100_000]), f, 0755, 0755);
        assertEquals(100_000, Files.size(f));
        assertEquals("rwxr-xr-x", mode(f));
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), PrivateFiles.permissions(0640));
    }
}
