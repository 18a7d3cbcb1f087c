package io.kubeferry.cli;

import io.kubeferry.files.StateDirectory;
import io.kubeferry.files.StateLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state directory's rules seen from the command line: exit codes and messages, nothing written. */
class StateDirectoryCommandsTest {
    @TempDir
    Path dir;

    private Path inventory() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster:
                  name: lab
                  kubernetesVersion: 1.34.1
                  controlPlaneEndpoint: {address: 192.0.2.100, port: 6443}
                  certificates: {keyAlgorithm: ECDSA-P256}
                ssh: {password: pw}
                hosts:
                  - {name: cp1, address: 192.0.2.11, roles: [control-plane]}
                """);
        return inv;
    }

    private List<Path> stateTree() throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve(".kubeferry/lab"))) {
            return s.sorted().toList();
        }
    }

    @Test
    void aCommandChangingTheStateWhileAnotherDoesIsRefusedNamingIt() throws Exception {
        Path inv = inventory();
        try (StateLock held = StateDirectory.open(dir.resolve(".kubeferry/lab")).lock("certs renew", false)) {
            String[] r = MainTest.run("certs", "generate", "-i", inv.toString());
            assertEquals("3", r[0], r[1]);
            assertTrue(r[1].contains("another kubeferry command (pid " + ProcessHandle.current().pid()
                    + ", `certs renew`, since "), r[1]);
            assertFalse(r[1].contains("internal error"), r[1]);
            assertFalse(Files.exists(dir.resolve(".kubeferry/lab/pki")));
        }
        assertEquals("0", MainTest.run("certs", "generate", "-i", inv.toString())[0]);
    }

    @Test
    void aPlantedStateDirectoryIsRefusedWithTheFix() throws Exception {
        Path inv = inventory();
        Path state = Files.createDirectories(dir.resolve(".kubeferry/lab/pki"));
        Files.setPosixFilePermissions(dir.resolve(".kubeferry"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(state.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
        List<Path> before = stateTree();
        String[] r = MainTest.run("certs", "generate", "-i", inv.toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("chmod 700 " + state.getParent()), r[1]);
        assertEquals(before, stateTree(), "something was written");
    }

    @Test
    void aFileWhereTheStateDirectoryGoesIsBadInputNotAnInternalError() throws Exception {
        Path inv = inventory();
        Files.createDirectories(dir.resolve(".kubeferry"));
        Files.writeString(dir.resolve(".kubeferry/lab"), "in the way");
        for (List<String> command : List.of(List.of("certs", "generate"), List.of("render", "-o", dir.resolve("out").toString()))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("-i", inv.toString()));
            String[] r = MainTest.run(args.toArray(String[]::new));
            assertEquals("2", r[0], command + ": " + r[1]);
            assertTrue(r[1].contains(dir.resolve(".kubeferry/lab") + ": is not a directory"), r[1]);
        }
    }
}
