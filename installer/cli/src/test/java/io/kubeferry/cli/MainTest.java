package io.kubeferry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class MainTest {
    @TempDir
    Path dir;

    /** Runs the CLI capturing stdout and stderr together. */
    static String[] run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        PrintStream capture = new PrintStream(buf, true);
        System.setOut(capture);
        System.setErr(capture);
        int code;
        try {
            var cli = Main.commandLine();
            cli.setOut(new java.io.PrintWriter(capture, true));
            cli.setErr(new java.io.PrintWriter(capture, true));
            code = cli.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[]{String.valueOf(code), buf.toString()};
    }

    @Test
    void helpListsCommandsAndExitCodes() {
        String[] r = run("--help");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("check"));
        assertTrue(r[1].contains("2   bad input"));
    }

    @Test
    void badInventoryGivesExitTwoWithEveryLocatedError() throws Exception {
        Path inv = dir.resolve("inv.yaml");
        Files.writeString(inv, """
                cluster:
                  kubernetesVersion: 1.34.1
                  networking: {podSubnet: 10.96.0.0/8}
                ssh: {password: topsecret-pw}
                hosts:
                  - {name: cp1, address: 192.0.2.1, roles: [control-plane], colour: blue}
                """);
        String[] r = run("check", "-i", inv.toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains(inv + ":3:27 (cluster.networking.podSubnet): podSubnet 10.0.0.0/8 overlaps serviceSubnet"), r[1]);
        assertTrue(r[1].contains(inv + ":6:61 (hosts[0].colour): unknown key 'colour'"), r[1]);
        assertTrue(r[1].contains("nothing was changed on any host"));
        assertFalse(r[1].contains("log: "), "bad input is refused before the run's log is made");
        assertFalse(Files.exists(dir.resolve(".kubeferry")), "nothing is written before the input is accepted");
        assertFalse(r[1].contains("topsecret-pw"));
    }

    @Test
    void anInventoryInAMissingDirectoryCreatesNothing() {
        Path missing = dir.resolve("nonexistent/inv.yaml");
        String[] r = run("check", "-i", missing.toString());
        assertEquals("2", r[0], r[1]);
        assertFalse(Files.exists(dir.resolve("nonexistent")), "no .kubeferry/logs made next to a missing inventory");
    }

    @Test
    void phaseHelpListsThePhasesOfEveryAction() {
        String[] r = run("phase", "--help");
        assertEquals("0", r[0]);
        for (String phase : io.kubeferry.action.Actions.phaseTitles().keySet()) {
            assertTrue(r[1].contains("  " + phase + " "), phase + " missing from:\n" + r[1]);
        }
        assertTrue(r[1].contains("push-certs") && r[1].contains("check-hosts"), r[1]);
        assertFalse(r[1].contains("renew-certs"), "renewing needs its NAME: it is `certs renew`, not a phase alone");
    }

    @Test
    void missingInventoryFileIsBadInput() {
        String[] r = run("check", "-i", dir.resolve("nope.yaml").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("cannot read the inventory file"), r[1]);
    }

    @Test
    void unknownPhaseAndBadFlagsAreBadInput() throws Exception {
        Path inv = dir.resolve("inv.yaml");
        Files.writeString(inv, "cluster: {kubernetesVersion: 1.34.1}\nssh: {password: x}\nhosts: [{name: a, address: 192.0.2.1, roles: [control-plane]}]\n");
        assertEquals("2", run("phase", "-i", inv.toString(), "renew-certs")[0]);
        String[] r = run("phase", "-i", inv.toString(), "frobnicate");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("no such phase; choose one of connect"), r[1]);
        assertEquals("2", run("check", "-i", inv.toString(), "--concurrency", "0")[0]);
        assertEquals("2", run("check", "--no-such-flag")[0]);
        // a --bundle that is no unpacked bundle is named before any host is reached
        String[] b = run("phase", "-i", inv.toString(), "--bundle", dir.toString(), "distribute");
        assertEquals("2", b[0], b[1]);
        assertTrue(b[1].contains("--bundle " + dir) && b[1].contains("no unpacked bundle there"), b[1]);
    }
}
