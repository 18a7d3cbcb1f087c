package io.kubeferry.apply;

import io.kubeferry.host.ExecResult;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.UploadResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in host for lifecycle tests: a local directory is its root file system. {@code put} writes under it
 * (skipping identical content, like the SSH module). File commands ({@code mkdir}, {@code rm}, {@code cmp},
 * {@code mv}, the /etc/hosts edit) really run through {@code sh} with absolute paths moved under the root;
 * service commands ({@code systemctl}, {@code modprobe ... sysctl}) are only recorded; {@link #failing} makes
 * chosen commands fail.
 */
final class DirectoryHost implements RemoteHost {
    private static final Pattern ABSOLUTE = Pattern.compile("(?<=^|[\\s'>=\"])/(?=etc/|var/|usr/|run/|opt/)");
    private final Path root;
    final List<String> commands = new ArrayList<>();
    /** Commands that fail (exit 1) instead of running, to break a run halfway. */
    java.util.function.Predicate<String> failing = c -> false;

    DirectoryHost(Path root) {
        this.root = root;
    }

    @Override
    public String name() {
        return "stand-in:" + root.getFileName();
    }

    Path path(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    @Override
    public ExecResult exec(String command, Duration timeout) {
        commands.add(command);
        if (failing.test(command)) {
            return new ExecResult(1, "", "stand-in failure");
        }
        boolean serviceCommand = command.startsWith("systemctl ") || command.startsWith("if systemctl ")
                || command.startsWith("modprobe ");
        if (serviceCommand) {
            return new ExecResult(0, "", "");
        }
        String local = ABSOLUTE.matcher(command).replaceAll(Matcher.quoteReplacement(root.toString() + "/"));
        try {
            Process p = new ProcessBuilder("sh", "-c", local).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new ExecResult(124, "", "timeout");
            }
            return new ExecResult(p.exitValue(), out, p.exitValue() == 0 ? "" : out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public UploadResult upload(Path local, String remotePath, int mode) {
        try {
            return put(Files.readAllBytes(local), remotePath, mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public UploadResult put(byte[] content, String remotePath, int mode) {
        try {
            Path target = path(remotePath);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) {
                return new UploadResult(remotePath, content.length, 0, true, sha);
            }
            if (!Files.isDirectory(target.getParent())) {
                throw new IllegalStateException("parent directory missing for " + remotePath + " (run must mkdir first)");
            }
            Files.write(target, content);
            Files.setPosixFilePermissions(target, io.kubeferry.files.PrivateFiles.permissions(mode));
            return new UploadResult(remotePath, content.length, content.length, false, sha);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
