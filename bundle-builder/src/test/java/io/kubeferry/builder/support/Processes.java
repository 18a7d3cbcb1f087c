package io.kubeferry.builder.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external tools in tests; a non-zero exit fails with the tool's output. */
public final class Processes {
    private Processes() {
    }

    public static String run(List<String> cmd) throws IOException, InterruptedException {
        return new String(runBytes(cmd), StandardCharsets.UTF_8);
    }

    public static byte[] runBytes(List<String> cmd) throws IOException, InterruptedException {
        Result r = exec(cmd);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.stderr());
        }
        return r.stdout();
    }

    /** Exit code, stdout bytes and stderr text. */
    public record Result(int exit, byte[] stdout, String stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    public static Result exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        var err = new java.util.concurrent.CompletableFuture<byte[]>();
        Thread t = new Thread(() -> {
            try {
                err.complete(p.getErrorStream().readAllBytes());
            } catch (IOException e) {
                err.complete(new byte[0]);
            }
        });
        t.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " timed out");
        }
        t.join();
        return new Result(p.exitValue(), out, new String(err.join(), StandardCharsets.UTF_8));
    }
}
