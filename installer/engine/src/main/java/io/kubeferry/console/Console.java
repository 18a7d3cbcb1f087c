package io.kubeferry.console;

import io.kubeferry.inventory.Secret;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Everything a run says, to the terminal and to the run's log file. Every line passes through
 * {@link #redact} first, so a secret registered with {@link #addSecret} never reaches either.
 * Thread-safe: hosts report from many threads.
 *
 * <p>Lines that change while something runs (a transfer, a wait) are {@linkplain #status statuses}: on a terminal
 * they are a block of lines at the bottom, redrawn in place (ordinary lines scroll above it); in a log or a pipe only
 * their milestones are printed, as plain lines, so a log reads the same whatever the output was.
 */
public final class Console implements AutoCloseable {
    /** Redraws of the live block at most this often: a transfer reports every few KiB. */
    static final long REDRAW_NANOS = 100_000_000L;
    static final int WIDTH = 120;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean verbose;
    private final boolean live;
    private final List<String> secrets = new ArrayList<>();
    /** What the live block shows, by key, in the order the statuses began; each value's start time in waits. */
    private final Map<String, String> statuses = new LinkedHashMap<>();
    private final Map<String, Long> waitStarts = new HashMap<>();
    private int drawnLines;
    private long lastDrawNanos;
    private ScheduledExecutorService ticker;
    private Writer log;
    private Path logFile;

    /** Plain lines only (a log, a pipe, tests). */
    public Console(PrintStream out, PrintStream err, boolean verbose) {
        this(out, err, verbose, false);
    }

    /** @param live redraw statuses in place: only when {@code out} is a terminal ({@link #isTerminal()}) */
    public Console(PrintStream out, PrintStream err, boolean verbose, boolean live) {
        this.out = out;
        this.err = err;
        this.verbose = verbose;
        this.live = live;
    }

    /** This process writes to a terminal that understands cursor movement (not a pipe, a file or TERM=dumb). */
    public static boolean isTerminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.isBlank() && !term.equals("dumb");
    }

    /**
     * A changing line under {@code key}: redrawn in place on a terminal; elsewhere printed only when
     * {@code milestone} (e.g. every 10% of a transfer). Milestones always reach the log.
     */
    public void status(String key, String text, boolean milestone) {
        String clean = redact(text);
        synchronized (this) {
            if (!live) {
                if (milestone) {
                    emit(out, clean, true);
                }
                return;
            }
            boolean fresh = statuses.put(key, clean) == null;
            if (milestone) {
                writeLog(clean);
            }
            if (fresh || System.nanoTime() - lastDrawNanos >= REDRAW_NANOS) {
                redraw();
            }
        }
    }

    /** The status under {@code key} is over: its line leaves the live block. */
    public void statusDone(String key) {
        synchronized (this) {
            waitStarts.remove(key);
            if (statuses.remove(key) != null && live) {
                redraw();
            }
        }
    }

    /**
     * A wait (a kubelet's /healthz, an API server's /readyz): a live line with the seconds waited, ticking on a
     * terminal; elsewhere one line when it starts. Close it when the wait ends, however it ends.
     */
    public Wait waiting(String key, String what) {
        synchronized (this) {
            if (!live) {
                emit(out, "    " + what + " ...", verbose);
                return () -> { };
            }
            waitStarts.put(key, System.nanoTime());
            statuses.put(key, redact(what));
            if (ticker == null) {
                ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "console-ticker");
                    t.setDaemon(true);
                    return t;
                });
                ticker.scheduleAtFixedRate(() -> {
                    synchronized (this) {
                        if (!waitStarts.isEmpty()) {
                            redraw();
                        }
                    }
                }, 1, 1, TimeUnit.SECONDS);
            }
            redraw();
        }
        return () -> statusDone(key);
    }

    /** A wait's live line; closing it ends the line (never throws). */
    public interface Wait extends AutoCloseable {
        @Override
        void close();
    }

    /** Called with the lock held: the block erased, then drawn again with each wait's seconds so far. */
    private void redraw() {
        eraseBlock();
        long now = System.nanoTime();
        for (Map.Entry<String, String> s : statuses.entrySet()) {
            Long since = waitStarts.get(s.getKey());
            String line = since == null ? s.getValue()
                    : s.getValue() + " ... " + (now - since) / 1_000_000_000L + "s";
            out.print(line.length() > WIDTH ? line.substring(0, WIDTH - 1) + "…" : line);
            out.print('\n');
        }
        drawnLines = statuses.size();
        lastDrawNanos = now;
        out.flush();
    }

    /** Moves the cursor up over the block and clears to the end of the screen. */
    private void eraseBlock() {
        if (drawnLines > 0) {
            out.print("\033[" + drawnLines + "F\033[J");
            drawnLines = 0;
        }
    }

    /** Starts writing every line (verbose ones too) to {@code file}, created 0600 under a 0700 directory. */
    public synchronized void openLog(Path file) {
        try {
            io.kubeferry.files.PrivateFiles.createDirectories(file.getParent(), 0700);
            Files.deleteIfExists(file);
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            log = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            logFile = file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run log " + file, e);
        }
    }

    public synchronized Path logFile() {
        return logFile;
    }

    /** Values that must never be printed: passwords, passphrases. */
    public synchronized void addSecret(Secret secret) {
        if (secret != null && !secret.reveal().isEmpty()) { // every secret, however short
            secrets.add(secret.reveal());
            secrets.sort(Comparator.comparingInt(String::length).reversed());
        }
    }

    public String redact(String line) {
        String s = line;
        synchronized (this) {
            for (String secret : secrets) {
                s = s.replace(secret, "******");
            }
        }
        return s;
    }

    public void info(String line) {
        emit(out, line, true);
    }

    public void warn(String line) {
        emit(err, "warning: " + line, true);
    }

    public void error(String line) {
        emit(err, "error: " + line, true);
    }

    /** Printed with --verbose; always logged. */
    public void detail(String line) {
        emit(out, line, verbose);
    }

    public void phaseStarted(String title) {
        info("==> " + title);
    }

    public void phaseFinished(String title, String status, Duration took) {
        info(String.format(Locale.ROOT, "    %-8s %s (%s)", status, title, seconds(took)));
    }

    public void hostStatus(String host, String status, Duration took, String detail) {
        info(String.format(Locale.ROOT, "    %-20s %-8s %7s%s", host, status, seconds(took),
                detail == null || detail.isBlank() ? "" : "  " + detail));
    }

    public static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2fs", d.toMillis() / 1000.0);
    }

    private void emit(PrintStream stream, String line, boolean show) {
        String clean = redact(line);
        synchronized (this) {
            if (show) {
                boolean block = live && drawnLines > 0;
                if (block) {
                    eraseBlock();
                    out.flush();
                }
                stream.println(clean);
                stream.flush();
                if (block) {
                    redraw();
                }
            }
            writeLog(clean);
        }
    }

    private void writeLog(String clean) {
        if (log != null) {
            try {
                log.write(Instant.now() + " " + clean + System.lineSeparator());
                log.flush();
            } catch (IOException ignored) {
                // the console line went out; a full disk must not stop the run
            }
        }
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
        statuses.clear();
        waitStarts.clear();
        eraseBlock();
        if (log != null) {
            try {
                log.close();
            } catch (IOException ignored) {
                // nothing more to write
            }
            log = null;
        }
    }
}
