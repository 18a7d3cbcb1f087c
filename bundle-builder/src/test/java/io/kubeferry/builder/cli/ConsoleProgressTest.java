package io.kubeferry.builder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Outside a terminal (CI logs) progress is plain lines: retries said with their reason, no control characters. */
class ConsoleProgressTest {
    @Test
    void retriesAndFinishedFilesArePlainLinesOutsideATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        p.started("bin/amd64/kubelet", 2_000_000);
        p.retrying("bin/amd64/kubelet", 1, 5, "connection refused by 127.0.0.1:8080 (nothing listens there)", Duration.ofMillis(500));
        p.advanced("bin/amd64/kubelet", 2_000_000);
        p.finished("bin/amd64/kubelet", false);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals("retrying bin/amd64/kubelet in 0.5 s (attempt 1 of 5 failed): connection refused by 127.0.0.1:8080 "
                + "(nothing listens there)\ndownloaded  bin/amd64/kubelet (2.0 MB)\n", out.replace(System.lineSeparator(), "\n"));
        assertFalse(out.contains("\r") || out.contains("\033"), out);
    }
}
