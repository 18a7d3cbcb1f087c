package io.kubeferry.ssh;

import java.time.Duration;

/**
 * What happened on one host: a value, or the failure that stopped it.
 *
 * @param error a {@link io.kubeferry.errors.KubeferryException} for expected failures (exit codes 1..3);
 *              any other exception is a bug (exit code 4)
 */
public record HostOutcome<T>(String host, T value, RuntimeException error, Duration elapsed) {
    public boolean ok() {
        return error == null;
    }

    /** One line for a per-host summary: {@code host  ok  1.2s} or {@code host  FAILED  message}. */
    public String summaryLine(int nameWidth) {
        String name = String.format("%-" + Math.max(1, nameWidth) + "s", host);
        String secs = String.format("%.1fs", elapsed.toMillis() / 1000.0);
        if (ok()) {
            return name + "  ok      " + secs;
        }
        String msg = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        String prefix = host + ": ";
        if (msg.startsWith(prefix)) {
            msg = msg.substring(prefix.length());
        }
        return name + "  FAILED  " + secs + "  " + msg;
    }
}
