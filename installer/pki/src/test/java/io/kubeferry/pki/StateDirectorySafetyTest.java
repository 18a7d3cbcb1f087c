package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.ExitCode;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A state directory another user could have filled is refused, and local I/O failures name their path. */
class StateDirectorySafetyTest {
    @TempDir
    Path dir;

    private Inventory inventory() {
        return TestClusters.inventory(dir, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
    }

    /** Another user's CA, put where Kubeferry would find it. */
    private Path plantCa(Inventory inv) throws Exception {
        Inventory attacker = TestClusters.inventory(Files.createDirectories(dir.resolve("attacker")), 1, 0,
                KeyAlgorithm.ECDSA_P256, "1.34.1");
        new PkiService().generate(attacker);
        Path pki = Files.createDirectories(inv.stateDir().resolve("pki"));
        for (String f : List.of("ca.crt", "ca.key")) {
            Files.copy(attacker.stateDir().resolve("pki").resolve(f), pki.resolve(f));
        }
        return pki;
    }

    @Test
    void aPlantedCaInAGroupWritablePkiDirectoryIsRefusedNotAdopted() throws Exception {
        Inventory inv = inventory();
        Path pki = plantCa(inv);
        Files.setPosixFilePermissions(pki, PosixFilePermissions.fromString("rwxrwxrwx"));
        Map<String, byte[]> before = TestClusters.snapshot(inv.stateDir());
        BadInputException e = assertThrows(BadInputException.class, () -> new PkiService().generate(inv));
        assertEquals(pki.toString(), e.problems().get(0).where());
        assertTrue(e.getMessage().contains("chmod 700 " + pki), e.getMessage());
        assertEquals(List.of(), TestClusters.diff(before, TestClusters.snapshot(inv.stateDir())), "something was written");
        // nor is it read and shipped to hosts, or used to sign a user's certificate
        assertThrows(BadInputException.class, () -> new PkiService().filesFor(inv, inv.hosts().get(0)));
        assertThrows(BadInputException.class, () -> new PkiService().checkExpiration(inv));
        assertThrows(BadInputException.class, () -> new UserKubeconfigs().create(inv, "alice", List.of(),
                java.time.Duration.ofHours(1), null));
    }

    @Test
    void aStateDirectoryOwnedByAnotherUserIsRefused() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to chown");
        Inventory inv = inventory();
        plantCa(inv);
        Cmd.ok("chown", "-R", "65534", inv.stateDir().toString());
        Map<String, byte[]> before = TestClusters.snapshot(inv.stateDir().getParent());
        BadInputException e = assertThrows(BadInputException.class, () -> new PkiService().generate(inv));
        assertTrue(e.getMessage().contains(inv.stateDir() + ": belongs to uid 65534") && e.getMessage().contains("chown"),
                e.getMessage());
        assertEquals(before.keySet(), TestClusters.snapshot(inv.stateDir().getParent()).keySet(), "something was written");
    }

    @Test
    void aFileWhereTheStateDirectoryGoesIsBadInputNamingIt() throws Exception {
        Inventory inv = inventory();
        Files.createDirectories(inv.stateDir().getParent());
        Files.writeString(inv.stateDir(), "in the way");
        KubeferryException e = assertThrows(KubeferryException.class, () -> new PkiService().generate(inv));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(inv.stateDir() + ": is not a directory"), e.getMessage());

        // a file in the way deeper down, met while writing: still located bad input, not an internal error
        Inventory other = TestClusters.inventory(Files.createDirectories(dir.resolve("b")), 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        Files.createDirectories(other.stateDir().resolve("pki"));
        Files.setPosixFilePermissions(other.stateDir().resolve("pki"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(other.stateDir().resolve("pki/hosts"), "in the way");
        e = assertThrows(KubeferryException.class, () -> new PkiService().generate(other));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(other.stateDir().resolve("pki/hosts") + ": is not a directory"), e.getMessage());
    }

    @Test
    void aStateDirectoryThatCannotBeCreatedIsBadInputNamingThePath() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for chattr");
        Inventory inv = inventory();
        Cmd.ok("chattr", "+i", dir.toString()); // read-only even for root
        try {
            KubeferryException e = assertThrows(KubeferryException.class, () -> new PkiService().generate(inv));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().contains(dir.resolve(".kubeferry") + ": cannot create the state directory"),
                    e.getMessage());
            assertEquals(Map.of(), TestClusters.snapshot(dir));
        } finally {
            Cmd.ok("chattr", "-i", dir.toString());
        }
    }
}
