package io.kubeferry.ssh;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.host.UploadResult;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.SshSettings;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One host reached over SSH: a single JSch session reused for everything, with up to
 * {@link SshOptions#maxChannels()} commands and transfers running at once over it. Thread-safe.
 * A connection that died is re-opened on the next call (a running command is not re-run).
 *
 * <p>Every command runs as {@code sh -c <command>}; for a non-root user through {@code sudo -n} or, with
 * {@link SshSettings.Sudo#PASSWORD}, {@code sudo -S} with the password written to the command's stdin.
 */
public final class SshHost implements RemoteHost, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SshHost.class.getName());
    /** Output beyond this is dropped (and said so), so a chatty command cannot fill our heap. */
    private static final int OUTPUT_LIMIT = 8 * 1024 * 1024;

    private final Host host;
    private final Endpoint endpoint;
    private final Endpoint bastionEndpoint;
    private final SshOptions options;
    private final BastionSessions bastions;
    private final boolean ownsBastions;
    private final Semaphore channels;
    private final Object connectLock = new Object();
    /** Two uploads to one path at once would write the same partial file; they take turns. */
    private final java.util.concurrent.ConcurrentHashMap<String, Object> uploadLocks = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Session session;
    private volatile boolean closed;

    private SshHost(Host host, SshOptions options, BastionSessions bastions, boolean ownsBastions) {
        this.host = host;
        this.endpoint = Endpoint.of(host);
        this.bastionEndpoint = host.ssh().bastion() == null ? null : Endpoint.bastionOf(host);
        this.options = options;
        this.bastions = bastions;
        this.ownsBastions = ownsBastions;
        this.channels = new Semaphore(options.maxChannels(), true);
    }

    /** Connects (through the bastion if the host has one) and, for a sudo user, checks that sudo works. */
    public static SshHost connect(Host host) {
        return connect(host, SshOptions.defaults());
    }

    public static SshHost connect(Host host, SshOptions options) {
        BastionSessions own = new BastionSessions(options);
        try {
            return connect(host, options, own, true);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    static SshHost connect(Host host, SshOptions options, BastionSessions bastions, boolean ownsBastions) {
        SshHost h = new SshHost(host, options, bastions, ownsBastions);
        try {
            h.session();
            h.checkRoot();
            return h;
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return host.name();
    }

    public Host host() {
        return host;
    }

    public boolean isConnected() {
        Session s = session;
        return s != null && s.isConnected();
    }

    /** Fingerprint of the host key the server showed (OpenSSH {@code SHA256:...} form). */
    public String hostKeyFingerprint() {
        Session s = session();
        return Fingerprints.sha256OfBase64(s.getHostKey().getKey());
    }

    /** The live session, opened again if the connection died. */
    Session session() {
        Session s = session;
        if (s != null && s.isConnected()) {
            return s;
        }
        synchronized (connectLock) {
            if (closed) {
                throw new HostFailureException(name(), "the SSH connection was already closed");
            }
            s = session;
            if (s != null && s.isConnected()) {
                return s;
            }
            if (s != null) {
                s.disconnect();
                LOG.log(System.Logger.Level.DEBUG, "{0}: reconnecting", name());
            }
            long t0 = System.nanoTime();
            if (bastionEndpoint == null) {
                s = SessionOpener.open(endpoint, null, "", options);
            } else {
                Session b = bastions.get(bastionEndpoint);
                s = SessionOpener.open(endpoint, new BastionProxy(b), " via bastion " + bastionEndpoint.display(),
                        options);
            }
            LOG.log(System.Logger.Level.DEBUG, "{0}: connected to {1} in {2} ms", name(), endpoint.display(),
                    (System.nanoTime() - t0) / 1_000_000);
            session = s;
            return s;
        }
    }

    private void checkRoot() {
        SshSettings ssh = host.ssh();
        if (!ssh.needsSudo()) {
            return;
        }
        ExecResult r = exec("id -u", Duration.ofSeconds(30));
        if (!r.ok() || !r.stdout().strip().equals("0")) {
            throw new HostFailureException(name(), "sudo as " + ssh.user() + " does not give root (exit " + r.exitCode()
                    + ", id -u said '" + r.stdout().strip() + "'" + (r.stderr().isBlank() ? "" : ", " + r.stderr().strip())
                    + "); check ssh.sudo" + (ssh.sudo() == SshSettings.Sudo.PASSWORD ? " and ssh.sudoPassword" : "")
                    + " and the sudoers rules of " + ssh.user());
        }
    }

    /**
     * The command line sent to sshd for a command that must run as root. The remote {@code timeout}
     * (coreutils, kills the whole process group) is a backstop a little after our own deadline: closing
     * the channel does not stop a command that runs without a terminal, and the KILL signal we send on
     * timeout cannot reach a process that sudo made root.
     */
    String wireCommand(String command, Duration timeout) {
        long backstop = Math.max(1, (timeout.toMillis() + 999) / 1000) + 5;
        String shell = "timeout -s KILL " + backstop + " sh -c " + Shell.quote(command);
        SshSettings ssh = host.ssh();
        if (!ssh.needsSudo()) {
            return shell;
        }
        if (ssh.sudo() == SshSettings.Sudo.PASSWORDLESS) {
            return "sudo -n -- " + shell;
        }
        // -k: always ask, so the password line is consumed by sudo and never reaches the command's stdin
        return "sudo -k -S -p '' -- " + shell;
    }

    private byte[] stdinFor() {
        SshSettings ssh = host.ssh();
        if (!ssh.needsSudo() || ssh.sudo() != SshSettings.Sudo.PASSWORD) {
            return new byte[0];
        }
        var pw = ssh.sudoPassword() != null ? ssh.sudoPassword() : ssh.password();
        if (pw == null) {
            throw new io.kubeferry.errors.BadInputException(name(),
                    "ssh.sudo is 'password' but neither ssh.sudoPassword nor ssh.password is set");
        }
        byte[] p = pw.revealBytes();
        byte[] line = new byte[p.length + 1];
        System.arraycopy(p, 0, line, 0, p.length);
        line[p.length] = '\n';
        java.util.Arrays.fill(p, (byte) 0);
        return line;
    }

    @Override
    public ExecResult exec(String command, Duration timeout) {
        ExecResult r = runWire(wireCommand(command, timeout), command, timeout, stdinFor());
        if (host.ssh().needsSudo() && r.exitCode() == 1 && sudoRefused(r.stderr())) {
            throw new HostFailureException(name(), "sudo refused for " + host.ssh().user() + ": "
                    + r.stderr().strip() + "; check ssh.sudo / ssh.sudoPassword and the sudoers rules");
        }
        return r;
    }

    private static boolean sudoRefused(String stderr) {
        for (String line : stderr.split("\n")) {
            String l = line.strip();
            if (l.startsWith("Sorry, try again")) {
                return true;
            }
            if (l.startsWith("sudo: ") && (l.contains("password") || l.contains("sudoers") || l.contains("terminal"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs an exact command line (no wrapping) as the login user.
     *
     * @param shown what the error messages show for the command
     */
    ExecResult runWire(String wire, String shown, Duration timeout, byte[] stdin) {
        acquire();
        ChannelExec ch = null;
        try {
            BoundedBuffer out = new BoundedBuffer(OUTPUT_LIMIT);
            BoundedBuffer err = new BoundedBuffer(OUTPUT_LIMIT);
            for (int attempt = 1; ; attempt++) {
                Session s = session();
                try {
                    ch = (ChannelExec) s.openChannel("exec");
                    if (ch == null) {
                        // JSch swallows the cause and returns null when the session died under it
                        throw new JSchException("session is down: no channel could be opened");
                    }
                    ch.setCommand(wire.getBytes(StandardCharsets.UTF_8));
                    ch.setOutputStream(out, true);
                    ch.setErrStream(err, true);
                    // an input stream, even empty, makes JSch send EOF, so a command reading stdin does not hang
                    ch.setInputStream(new ByteArrayInputStream(stdin));
                    ch.connect(endpoint.timeoutMillis());
                    break;
                } catch (JSchException e) {
                    if (ch != null) {
                        ch.disconnect();
                        ch = null;
                    }
                    // the command did not start, so on a connection that died unnoticed it is safe to try once more
                    if (attempt == 1 && discardIfBroken(s, e)) {
                        continue;
                    }
                    throw new HostFailureException(name(), "cannot start command: " + e.getMessage() + ": " + shown, e);
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            long sleep = 1;
            while (!ch.isClosed()) {
                if (System.nanoTime() > deadline) {
                    kill(ch);
                    throw new HostFailureException(name(), "command timed out after " + seconds(timeout) + ": " + shown);
                }
                Thread.sleep(sleep);
                sleep = Math.min(sleep * 2, 20);
            }
            int exit = ch.getExitStatus();
            if (exit == -1) {
                if (ch.getExitSignal() != null) {
                    return new ExecResult(128 + signalNumber(ch.getExitSignal()), out.text(),
                            err.text() + "[killed by signal " + ch.getExitSignal() + "]");
                }
                throw new HostFailureException(name(), "connection lost while running: " + shown);
            }
            return new ExecResult(exit, out.text(), err.text());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ch != null) {
                kill(ch);
            }
            throw new HostFailureException(name(), "interrupted while running: " + shown);
        } finally {
            if (ch != null) {
                ch.disconnect();
            }
            channels.release();
        }
    }

    /**
     * After a failure to open a channel: when the cause says the connection is gone, drops the session
     * so the next call reconnects.
     *
     * @return whether the session was broken
     */
    private boolean discardIfBroken(Session s, Exception e) {
        boolean broken = !s.isConnected();
        for (Throwable t = e; t != null && !broken; t = t.getCause()) {
            broken = t instanceof java.io.IOException || String.valueOf(t.getMessage()).contains("session is down");
        }
        if (broken) {
            synchronized (connectLock) {
                s.disconnect();
                if (session == s) {
                    session = null;
                }
            }
        }
        return broken;
    }

    /** An SFTP channel; caller must {@link #releaseSftp} it. */
    ChannelSftp openSftp() {
        acquire();
        try {
            for (int attempt = 1; ; attempt++) {
                Session s = session();
                ChannelSftp sftp = null;
                try {
                    sftp = (ChannelSftp) s.openChannel("sftp");
                    if (sftp == null) {
                        throw new JSchException("session is down: no channel could be opened");
                    }
                    sftp.connect(endpoint.timeoutMillis());
                    return sftp;
                } catch (JSchException e) {
                    if (sftp != null) {
                        sftp.disconnect();
                    }
                    if (attempt == 1 && discardIfBroken(s, e)) {
                        continue;
                    }
                    throw new HostFailureException(name(), "cannot open an SFTP channel: " + e.getMessage(), e);
                }
            }
        } catch (RuntimeException e) {
            channels.release();
            throw e;
        }
    }

    void releaseSftp(ChannelSftp sftp) {
        try {
            sftp.disconnect();
        } finally {
            channels.release();
        }
    }

    private void acquire() {
        try {
            if (!channels.tryAcquire(10, TimeUnit.MINUTES)) {
                throw new HostFailureException(name(), "no free SSH channel after 10 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostFailureException(name(), "interrupted while waiting for an SSH channel");
        }
    }

    private static void kill(ChannelExec ch) {
        try {
            ch.sendSignal("KILL");
        } catch (Exception ignored) {
            // best effort: closing the channel below ends our side anyway
        }
    }

    /** Like a shell's $? after a signal: 128 + the signal's number. */
    private static int signalNumber(String name) {
        return switch (name) {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "QUIT" -> 3;
            case "ABRT" -> 6;
            case "KILL" -> 9;
            case "SEGV" -> 11;
            case "PIPE" -> 13;
            case "ALRM" -> 14;
            default -> 15;
        };
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() / 1000.0 + "s";
    }

    @Override
    public UploadResult upload(Path local, String remotePath, int mode) {
        return upload(local, remotePath, mode, options.listener());
    }

    /** Like {@link #upload(Path, String, int)}, reporting progress to {@code listener}. */
    public UploadResult upload(Path local, String remotePath, int mode, TransferListener listener) {
        UploadSource src = UploadSource.of(local);
        synchronized (uploadLocks.computeIfAbsent(remotePath, p -> new Object())) {
            return new Uploader(this, options.uploadAttempts(), listener).upload(src, remotePath, mode);
        }
    }

    @Override
    public UploadResult put(byte[] content, String remotePath, int mode) {
        UploadSource src = UploadSource.of(content);
        synchronized (uploadLocks.computeIfAbsent(remotePath, p -> new Object())) {
            return new Uploader(this, options.uploadAttempts(), TransferListener.NONE).upload(src, remotePath, mode);
        }
    }

    SshSettings settings() {
        return host.ssh();
    }

    Duration connectTimeout() {
        return endpoint.connectTimeout();
    }

    /** Drops the connection as if the network failed (for tests of resume). */
    void dropConnection() {
        Session s = session;
        if (s != null) {
            s.disconnect();
        }
    }

    @Override
    public void close() {
        synchronized (connectLock) {
            closed = true;
            Session s = session;
            if (s != null) {
                s.disconnect();
            }
            session = null;
        }
        if (ownsBastions) {
            bastions.close();
        }
    }

    @Override
    public String toString() {
        return "SshHost[" + name() + " " + endpoint.display() + "]";
    }
}
