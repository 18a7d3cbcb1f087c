package io.kubeferry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** reset's bad input: refused with exit 2 before any host is connected to (the hosts here are never dialled). */
class ResetCommandTest {
    @TempDir
    Path dir;

    private Path inventory() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster: {name: lab, kubernetesVersion: 1.34.1, controlPlaneEndpoint: {address: 192.0.2.100, port: 6443}}
                ssh: {password: pw-never-shown}
                hosts:
                  - {name: cp1, address: 192.0.2.11, roles: [control-plane]}
                  - {name: w1, address: 192.0.2.21, roles: [worker]}
                """);
        return inv;
    }

    @Test
    void withoutATerminalItNeedsYes() throws Exception {
        String[] r = MainTest.run("reset", "-i", inventory().toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--yes"), r[1]);
        assertFalse(r[1].contains("pw-never-shown"), r[1]);
    }

    @Test
    void anUnknownHostIsNamed() throws Exception {
        String[] r = MainTest.run("reset", "-i", inventory().toString(), "--host", "w1", "--host", "w9", "--yes");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--host") && r[1].contains("w9") && r[1].contains("cp1, w1"), r[1]);
    }
}
