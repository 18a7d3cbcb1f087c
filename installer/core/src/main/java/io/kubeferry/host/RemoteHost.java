package io.kubeferry.host;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What components and phases need from a host: run a command as root, put a file in place. The SSH
 * module implements it over one reused connection; tests may implement it over a local directory.
 * Every command string given here must be built with {@link Shell#quote} for any value that came from
 * the inventory or a host.
 */
public interface RemoteHost {
    /** The inventory name of the host. */
    String name();

    /** Runs a command through {@code sh -c}, as root (sudo applied by the implementation when needed). */
    ExecResult exec(String command, Duration timeout);

    default ExecResult exec(String command) {
        return exec(command, Duration.ofMinutes(2));
    }

    /** Runs a command and throws {@link io.kubeferry.errors.HostFailureException} when it exits non-zero. */
    default ExecResult execChecked(String command) {
        ExecResult r = exec(command);
        if (r.exitCode() != 0) {
            throw new io.kubeferry.errors.HostFailureException(name(),
                    "command failed with exit code " + r.exitCode() + ": " + command
                            + (r.stderr().isBlank() ? "" : "\n" + r.stderr().strip()));
        }
        return r;
    }

    /**
     * Runs a command through {@code sh -c} as the login user (no sudo: root only when the inventory logs in as
     * root), its stdin streamed from {@code stdin} until EOF, which then closes the command's stdin. For long
     * streams (the distribute relay); the output kept is bounded as for {@link #exec}.
     *
     * @throws UnsupportedOperationException where the connection cannot stream a command's stdin
     */
    default ExecResult execAsLoginUser(String command, java.io.InputStream stdin, Duration timeout) {
        throw new UnsupportedOperationException(name() + ": this connection cannot stream a command's stdin");
    }

    /**
     * Streams a local file to {@code remotePath}: skipped when the same sha256 is already there, resumed
     * after a dropped connection, verified by sha256 on the host, renamed into place atomically, mode set.
     */
    UploadResult upload(Path local, String remotePath, int mode);

    /** Writes small generated content (rendered configs, certificates) the same way as {@link #upload}. */
    UploadResult put(byte[] content, String remotePath, int mode);

    /**
     * Forwards a port on this machine's loopback through the connection to {@code targetHost:targetPort} as seen
     * from the host (e.g. its own API server at 127.0.0.1:6443), for as long as the connection lives. Returns the
     * local port; throws {@link UnsupportedOperationException} where the connection cannot forward.
     */
    default int forwardLocalPort(String targetHost, int targetPort) {
        throw new UnsupportedOperationException(name() + ": this connection cannot forward ports");
    }
}
