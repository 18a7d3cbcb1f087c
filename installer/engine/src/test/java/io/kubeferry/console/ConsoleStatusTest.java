package io.kubeferry.console;

import io.kubeferry.inventory.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Statuses: redrawn in place on a terminal, milestones only as plain lines elsewhere, the log the same for both. */
class ConsoleStatusTest {
    private static final String ERASE_ONE = "\033[1F\033[J";

    @Test
    void onATerminalAStatusIsRedrawnInPlaceAndOrdinaryLinesScrollAboveIt(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Console console = new Console(out, out, false, true)) {
            console.openLog(dir.resolve("run.log"));
            console.status("cp1 /a", "cp1 [##   ] 10%", true);
            console.info("==> next phase");
            console.statusDone("cp1 /a");
            console.info("done");
        }
        String screen = bytes.toString(StandardCharsets.UTF_8);
        // drawn, erased before the ordinary line, drawn again below it, erased when done
        assertEquals("cp1 [##   ] 10%\n" + ERASE_ONE + "==> next phase\ncp1 [##   ] 10%\n" + ERASE_ONE + "done\n", screen);
        String log = Files.readString(dir.resolve("run.log"));
        assertTrue(log.contains("cp1 [##   ] 10%"), log);
        assertFalse(log.contains("\033"), "no cursor movement in the log: " + log);
    }

    @Test
    void inAPipeOnlyMilestonesArePrintedAsPlainLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Console console = new Console(out, out, false, false)) {
            console.status("k", "step 1", false);
            console.status("k", "step 2 (10%)", true);
            console.status("k", "step 3", false);
            try (var wait = console.waiting("w", "waiting for x")) {
                console.status("w", "waiting for x: not ready", false);
            }
            console.statusDone("k");
        }
        assertEquals("step 2 (10%)\n", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aWaitShowsTheSecondsWaitedAndLeavesNoLineWhenOver() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Console console = new Console(out, out, false, true)) {
            try (var wait = console.waiting("w", "cp1 waiting for /readyz")) {
                Thread.sleep(2500);
            }
        }
        String screen = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(screen.startsWith("cp1 waiting for /readyz ... 0s\n"), screen);
        assertTrue(screen.contains("cp1 waiting for /readyz ... 1s\n"), "the ticker redraws each second: " + screen);
        assertTrue(screen.endsWith(ERASE_ONE), screen);
    }

    @Test
    void secretsNeverReachAStatusLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Console console = new Console(out, out, false, true)) {
            console.addSecret(Secret.of("hunter2", "test"));
            console.status("k", "sudo password hunter2", false);
        }
        assertFalse(bytes.toString(StandardCharsets.UTF_8).contains("hunter2"));
    }
}
