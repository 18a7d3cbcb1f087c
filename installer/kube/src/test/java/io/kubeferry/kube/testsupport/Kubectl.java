package io.kubeferry.kube.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl (/usr/bin/kubectl) run with one kubeconfig, its HOME and cache in a test's directory. */
public final class Kubectl {
    public static final Path BINARY = Path.of("/usr/bin/kubectl");

    /** What one kubectl call printed and returned. */
    public record Run(int exit, String out, String err) {
    }

    private Kubectl() {
    }

    /**
     * @param connection flags placed before {@code args} (e.g. {@code --server}, {@code --tls-server-name}); may be empty
     */
    public static Run run(Path kubeconfig, Path workDir, List<String> connection, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(connection);
        cmd.addAll(List.of("--cache-dir", workDir.resolve("kube-cache").toString(), "--request-timeout", "20s"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOME", workDir.toString());
        pb.environment().remove("KUBECONFIG");
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 60s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
