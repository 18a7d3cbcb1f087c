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
import java.util.List;
import java.util.Locale;

/**
 * Everything a run says, to the terminal and to the run's log file. Every line passes through
 * {@link #redact} first, so a secret registered with {@link #addSecret} never reaches either.
 * Thread-safe: hosts report from many threads.
 */
public final class Console implements AutoCloseable {
    private final PrintStream out;
    private final PrintStream err;
    private final boolean verbose;
    private final List<String> secrets = new ArrayList<>();
    private Writer log;
    private Path logFile;

    public Console(PrintStream out, PrintStream err, boolean verbose) {
        this.out = out;
        this.err = err;
        this.verbose = verbose;
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
                stream.println(clean);
                stream.flush();
            }
            if (log != null) {
                try {
                    log.write(Instant.now() + " " + clean + System.lineSeparator());
                    log.flush();
                } catch (IOException ignored) {
                    // the console line went out; a full disk must not stop the run
                }
            }
        }
    }

    @Override
    public synchronized void close() {
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
