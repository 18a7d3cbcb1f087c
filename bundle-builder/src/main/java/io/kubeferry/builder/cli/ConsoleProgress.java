package io.kubeferry.builder.cli;

import io.kubeferry.builder.fetch.ProgressListener;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Download progress on the console: a bar per transfer redrawn in place on a terminal (at most every 200 ms);
 * outside a terminal (CI logs) plain lines: one per retry, one every {@link #LOG_INTERVAL_MS} per long transfer,
 * one per finished file.
 */
final class ConsoleProgress implements ProgressListener {
    private record Transfer(long total, AtomicLong done, AtomicLong lastLine) {
    }

    static final long LOG_INTERVAL_MS = 15_000;

    private final PrintStream out;
    private final boolean terminal;
    private final Map<String, Transfer> active = new ConcurrentHashMap<>();
    private final AtomicLong lastDraw = new AtomicLong();

    ConsoleProgress(PrintStream out) {
        this(out, System.console() != null);
    }

    ConsoleProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void started(String label, long total) {
        active.put(label, new Transfer(total, new AtomicLong(), new AtomicLong(System.currentTimeMillis())));
    }

    @Override
    public void advanced(String label, long bytes) {
        Transfer t = active.get(label);
        if (t == null) {
            return;
        }
        t.done().addAndGet(bytes);
        long now = System.currentTimeMillis();
        long lastLine = t.lastLine().get();
        if (!terminal && now - lastLine >= LOG_INTERVAL_MS && t.lastLine().compareAndSet(lastLine, now)) {
            synchronized (out) {
                out.printf("downloading %s: %.1f MB%s%n", label, t.done().get() / 1e6,
                        t.total() > 0 ? String.format(" of %.1f MB", t.total() / 1e6) : "");
            }
        }
        long last = lastDraw.get();
        if (terminal && now - last > 200 && lastDraw.compareAndSet(last, now)) {
            StringBuilder sb = new StringBuilder("\r");
            active.forEach((l, tr) -> sb.append(bar(l, tr)).append("  "));
            synchronized (out) {
                out.print(sb.length() > 200 ? sb.substring(0, 200) : sb);
                out.flush();
            }
        }
    }

    private static String bar(String label, Transfer t) {
        String name = label.length() > 24 ? "…" + label.substring(label.length() - 23) : label;
        if (t.total() <= 0) {
            return name + " " + t.done().get() / 1_000_000 + " MB";
        }
        int pct = (int) Math.min(100, 100 * t.done().get() / t.total());
        return name + " [" + "#".repeat(pct / 10) + ".".repeat(10 - pct / 10) + "] " + pct + "%";
    }

    @Override
    public void retrying(String label, int attempt, int attempts, String reason, java.time.Duration wait) {
        synchronized (out) {
            out.printf("%sretrying %s in %.1f s (attempt %d of %d failed): %s%n", terminal ? "\r\033[K" : "", label,
                    wait.toMillis() / 1000.0, attempt, attempts, reason);
        }
    }

    @Override
    public void finished(String label, boolean fromCache) {
        Transfer t = active.remove(label);
        synchronized (out) {
            out.println((terminal ? "\r\033[K" : "") + (fromCache ? "cached      " : "downloaded  ") + label
                    + (t != null ? String.format(" (%.1f MB)", t.done().get() / 1e6) : ""));
        }
    }
}
