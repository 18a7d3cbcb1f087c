package io.kubeferry.builder.cli;

import io.kubeferry.builder.fetch.ProgressListener;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Download progress on the console: a bar per transfer redrawn in place on a terminal (at most every 200 ms),
 * one line per finished file otherwise, so CI logs stay short.
 */
final class ConsoleProgress implements ProgressListener {
    private record Transfer(long total, AtomicLong done) {
    }

    private final PrintStream out;
    private final boolean terminal = System.console() != null;
    private final Map<String, Transfer> active = new ConcurrentHashMap<>();
    private final AtomicLong lastDraw = new AtomicLong();

    ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void started(String label, long total) {
        active.put(label, new Transfer(total, new AtomicLong()));
    }

    @Override
    public void advanced(String label, long bytes) {
        Transfer t = active.get(label);
        if (t == null) {
            return;
        }
        t.done().addAndGet(bytes);
        long now = System.currentTimeMillis();
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
    public void finished(String label, boolean fromCache) {
        Transfer t = active.remove(label);
        synchronized (out) {
            out.println((terminal ? "\r\033[K" : "") + (fromCache ? "cached      " : "downloaded  ") + label
                    + (t != null ? String.format(" (%.1f MB)", t.done().get() / 1e6) : ""));
        }
    }
}
