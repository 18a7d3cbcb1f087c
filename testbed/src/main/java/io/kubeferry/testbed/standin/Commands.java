package io.kubeferry.testbed.standin;

import io.kubeferry.testbed.ExecResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the tools the kubelet stand-in drives (ctr, kubectl) with a timeout, capturing their output. */
final class Commands {
    private Commands() {
    }

    static ExecResult run(List<String> cmd, Duration timeout) {
        return run(cmd, null, timeout);
    }

    /** {@code stdin}: bytes fed to the command (then closed), or null for none. Exit code 124 on timeout. */
    static ExecResult run(List<String> cmd, byte[] stdin, Duration timeout) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new ExecResult(124, out.getNow(""), "timed out after " + timeout.toSeconds() + "s: " + String.join(" ", cmd));
            }
            return new ExecResult(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            return new ExecResult(127, "", "cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ExecResult(130, "", "interrupted: " + String.join(" ", cmd));
        }
    }

    private static String drain(InputStream s) {
        try (s) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
