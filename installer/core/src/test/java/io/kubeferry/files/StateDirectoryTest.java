package io.kubeferry.files;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.KubeferryException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateDirectoryTest {
    @TempDir
    Path dir;

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static List<Path> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.sorted().toList();
        }
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    static void assumeRoot() {
        Assumptions.assumeTrue(StateDirectory.currentUid() == 0, "needs root (chown to another uid, chattr)");
    }

    @Test
    void createsTheStateDirectoryItsParentAndSubdirectoriesPrivate() throws Exception {
        Path state = dir.resolve(".kubeferry/prod");
        StateDirectory sd = StateDirectory.open(state);
        assertEquals(state, sd.path());
        assertEquals("rwx------", mode(dir.resolve(".kubeferry")));
        assertEquals("rwx------", mode(state));
        Path hosts = sd.directory(Path.of("pki/hosts/cp1"));
        assertEquals(state.resolve("pki/hosts/cp1"), hosts);
        for (Path p : List.of(state.resolve("pki"), state.resolve("pki/hosts"), hosts)) {
            assertEquals("rwx------", mode(p), p.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> sd.directory(Path.of("../escape")));
    }

    @Test
    void aGroupWritableStateDirectoryIsRefusedNotAdopted() throws Exception {
        Path state = dir.resolve(".kubeferry/prod");
        Files.createDirectories(state.resolve("pki"));
        Files.setPosixFilePermissions(dir.resolve(".kubeferry"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwx---"));
        List<Path> before = tree(dir);
        BadInputException e = assertThrows(BadInputException.class, () -> StateDirectory.open(state));
        assertEquals(state.toString(), e.problems().get(0).where());
        assertTrue(e.getMessage().contains("chmod 700 " + state), e.getMessage());
        assertEquals(before, tree(dir), "nothing written");
        assertEquals("rwxrwx---", mode(state), "not silently fixed");

        // the same for a .kubeferry/ others can write to (they could swap the cluster's directory)
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(dir.resolve(".kubeferry"), PosixFilePermissions.fromString("rwxrwxrwx"));
        e = assertThrows(BadInputException.class, () -> StateDirectory.open(state));
        assertTrue(e.getMessage().contains("chmod 700 " + dir.resolve(".kubeferry")), e.getMessage());
        // and for pki/ inside, when read or made
        Files.setPosixFilePermissions(dir.resolve(".kubeferry"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(state.resolve("pki"), PosixFilePermissions.fromString("rwx-w--w-"));
        StateDirectory sd = StateDirectory.open(state);
        e = assertThrows(BadInputException.class, () -> sd.checkExisting(Path.of("pki")));
        assertTrue(e.getMessage().contains("chmod 700 " + state.resolve("pki")), e.getMessage());
        assertThrows(BadInputException.class, () -> sd.directory(Path.of("pki/hosts")));
        assertFalse(Files.exists(state.resolve("pki/hosts")));
    }

    @Test
    void aStateDirectoryOwnedByAnotherUserIsRefused() throws Exception {
        assumeRoot();
        Path state = dir.resolve(".kubeferry/prod");
        Files.createDirectories(state);
        Files.setPosixFilePermissions(dir.resolve(".kubeferry"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        run("chown", "65534", state.toString());
        List<Path> before = tree(dir);
        BadInputException e = assertThrows(BadInputException.class, () -> StateDirectory.open(state));
        assertTrue(e.getMessage().contains("belongs to uid 65534") && e.getMessage().contains("chown -R 0 " + state),
                e.getMessage());
        assertThrows(BadInputException.class, () -> StateDirectory.existing(state));
        assertEquals(before, tree(dir), "nothing written");
        // a link to a directory of ours, planted by another user, is refused too
        Path other = Files.createDirectories(dir.resolve("mine"));
        Path link = dir.resolve(".kubeferry/linked");
        Files.createSymbolicLink(link, other);
        run("chown", "-h", "65534", link.toString());
        e = assertThrows(BadInputException.class, () -> StateDirectory.open(link));
        assertTrue(e.getMessage().contains("the link"), e.getMessage());
    }

    @Test
    void aReadableStateDirectoryOfOursIsNarrowedTo0700() throws Exception {
        Path state = dir.resolve(".kubeferry/prod");
        Files.createDirectories(state);
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        StateDirectory.open(state);
        assertEquals("rwx------", mode(state));
    }

    @Test
    void aFileInTheWayIsBadInputNamingThePath() throws Exception {
        Files.writeString(dir.resolve(".kubeferry"), "not a directory");
        KubeferryException e = assertThrows(BadInputException.class,
                () -> StateDirectory.open(dir.resolve(".kubeferry/prod")));
        assertTrue(e.getMessage().contains(dir.resolve(".kubeferry").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("move"), e.getMessage());

        Files.createDirectories(dir.resolve("b/.kubeferry"));
        Files.writeString(dir.resolve("b/.kubeferry/prod"), "x");
        e = assertThrows(BadInputException.class, () -> StateDirectory.open(dir.resolve("b/.kubeferry/prod")));
        assertTrue(e.getMessage().contains(dir.resolve("b/.kubeferry/prod") + ": is not a directory"), e.getMessage());
    }

    @Test
    void aStateDirectoryThatCannotBeCreatedIsBadInputNamingThePath() throws Exception {
        // /proc refuses new directories even to root
        KubeferryException e = assertThrows(BadInputException.class,
                () -> StateDirectory.open(Path.of("/proc/self/.kubeferry/prod")));
        assertTrue(e.getMessage().contains("/proc/self"), e.getMessage());

        // a read-only parent: as root chmod does not stop writes, an immutable directory does
        assumeRoot();
        Path inventoryDir = Files.createDirectories(dir.resolve("inv"));
        run("chattr", "+i", inventoryDir.toString());
        try {
            e = assertThrows(BadInputException.class, () -> StateDirectory.open(inventoryDir.resolve(".kubeferry/prod")));
            assertTrue(e.getMessage().contains(inventoryDir.resolve(".kubeferry").toString()), e.getMessage());
            assertTrue(e.getMessage().contains("Operation not permitted"), e.getMessage());
            assertEquals(List.of(inventoryDir), tree(inventoryDir));
        } finally {
            run("chattr", "-i", inventoryDir.toString());
        }
    }
}
