package io.kubeferry.ssh;

import com.jcraft.jsch.Channel;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One host reached over SSH: a single JSch session reused for everything, with up to
 * {@link SshOptions#maxChannels()} commands and transfers running at once over it. Thread-safe.
 * A connection that died is re-opened on the next call (a running command is not re-run).
 *
 * <p>Every command runs as {@code sh -c <command>}; for a non-root user through {@code sudo -n} or, with
 * {@link SshSettings.Sudo#PASSWORD}, {@code sudo -S} with the password written to the command's stdin.
 * A command is never run twice by this class: only a channel that could not be opened is tried again.
 */
public final class SshHost implements RemoteHost, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SshHost.class.getName());
    /** Output beyond this is dropped (and said so), so a chatty command cannot fill our heap. */
    private static final int OUTPUT_LIMIT = 8 * 1024 * 1024;
    /** Longest command text (its first line) put into an error message. */
    private static final int BRIEF_LENGTH = 60;

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
        byte[] stdin = stdinFor();
        ExecResult r;
        try {
            r = runWire(wireCommand(command, timeout), command, timeout, stdin);
        } finally {
            java.util.Arrays.fill(stdin, (byte) 0);
        }
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

    /** No sudo and no password line: the stream is the command's whole stdin (the remote timeout as in {@link #wireCommand}). */
    @Override
    public ExecResult execAsLoginUser(String command, InputStream stdin, Duration timeout) {
        long backstop = Math.max(1, (timeout.toMillis() + 999) / 1000) + 5;
        return runWire("timeout -s KILL " + backstop + " sh -c " + Shell.quote(command), command, timeout,
                ch -> writeStdin(ch, stdin));
    }

    /**
     * Runs an exact command line (no wrapping) as the login user.
     *
     * @param shown what the error messages show for the command (shortened, see {@link #brief})
     * @param stdin the command's whole stdin (small: a password line at most); EOF follows it
     */
    ExecResult runWire(String wire, String shown, Duration timeout, byte[] stdin) {
        return runWire(wire, shown, timeout, ch -> writeStdin(ch, stdin));
    }

    private ExecResult runWire(String wire, String shown, Duration timeout, Consumer<ChannelExec> feedStdin) {
        acquire();
        ChannelExec ch = null;
        try {
            BoundedBuffer out = new BoundedBuffer(OUTPUT_LIMIT);
            BoundedBuffer err = new BoundedBuffer(OUTPUT_LIMIT);
            ch = startExec(wire, shown, out, err);
            feedStdin.accept(ch);
            long deadline = System.nanoTime() + timeout.toNanos();
            long sleep = 1;
            while (!ch.isClosed()) {
                if (System.nanoTime() > deadline) {
                    kill(ch);
                    throw failure("command timed out after " + seconds(timeout), shown, null);
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
                throw failure("connection lost while running", shown, null);
            }
            return new ExecResult(exit, out.text(), err.text());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ch != null) {
                kill(ch);
            }
            throw failure("interrupted while running", shown, e);
        } finally {
            if (ch != null) {
                ch.disconnect();
            }
            channels.release();
        }
    }

    /** Opens an exec channel and starts the command; see {@link #connectChannel} for when it is tried again. */
    private ChannelExec startExec(String wire, String shown, OutputStream out, OutputStream err) {
        try {
            return connectChannel("exec", (ChannelExec ch) -> {
                ch.setCommand(wire.getBytes(StandardCharsets.UTF_8));
                ch.setOutputStream(out, true);
                ch.setErrStream(err, true);
                // no setInputStream: see writeStdin
            });
        } catch (ChannelStartException e) {
            throw failure(e.mayHaveStarted ? startFailure(e.getCause())
                    : "cannot open a channel for the command (it did not run): " + e.getMessage(), shown, e.getCause());
        }
    }

    /**
     * Opens a channel, lets {@code setUp} prepare it and connects it (which sends its request: exec, subsystem).
     * Only a channel that could not be opened is tried again (once, on a new connection): the server then never
     * saw the request. Once the request may have been sent, the command may be running, and a second run could
     * do a non-idempotent thing twice.
     */
    @SuppressWarnings("unchecked")
    private <C extends Channel> C connectChannel(String type, Consumer<C> setUp) throws ChannelStartException {
        for (int attempt = 1; ; attempt++) {
            Session s = session();
            C ch = null;
            try {
                ch = (C) s.openChannel(type);
                if (ch == null) {
                    // JSch swallows the cause and returns null when the session died under it
                    throw new JSchException("session is down: no channel could be opened");
                }
                setUp.accept(ch);
                ch.connect(endpoint.timeoutMillis());
                return ch;
            } catch (JSchException e) {
                boolean mayHaveStarted = ch != null && !failedBeforeChannelRequest(e);
                if (ch != null) {
                    ch.disconnect();
                }
                if (!mayHaveStarted && attempt == 1 && discardIfBroken(s, e)) {
                    continue;
                }
                throw new ChannelStartException(e, mayHaveStarted);
            }
        }
    }

    /** A channel that did not start. */
    private static final class ChannelStartException extends Exception {
        /** Whether its request (exec, subsystem) may have reached the server. */
        final boolean mayHaveStarted;

        ChannelStartException(JSchException cause, boolean mayHaveStarted) {
            super(cause.getMessage(), cause);
            this.mayHaveStarted = mayHaveStarted;
        }

        @Override
        public synchronized JSchException getCause() {
            return (JSchException) super.getCause();
        }
    }

    /** Why the start of a command failed after its exec request may have reached the server. */
    private String startFailure(JSchException e) {
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("failed to send channel request")) {
            return "the SSH server refused to run the command";
        }
        if (m.startsWith("channel request: timeout")) {
            return "no answer to the request to run the command within " + seconds(endpoint.connectTimeout())
                    + " (it may have run; not retried)";
        }
        return "the command could not be started cleanly (it may have run; not retried): " + e.getMessage();
    }

    /**
     * Whether JSch failed while opening the channel, before it sent the channel's request. JSch's exceptions
     * do not say; the frames where the first one was thrown do ({@code Channel.sendChannelOpen}, not
     * {@code ChannelExec.start}). Without frames we cannot tell, and answer no: no retry.
     */
    static boolean failedBeforeChannelRequest(Throwable e) {
        Throwable first = e;
        while (first.getCause() != null && first.getCause() != first) {
            first = first.getCause();
        }
        boolean opening = false;
        for (StackTraceElement f : first.getStackTrace()) {
            if (f.getClassName().startsWith("com.jcraft.jsch.")) {
                if (f.getMethodName().equals("start")) {
                    return false;
                }
                opening |= f.getMethodName().equals("sendChannelOpen");
            }
        }
        return opening;
    }

    /**
     * Gives the command its stdin, then EOF, from this thread, once the channel is connected. JSch's own way
     * ({@code setInputStream}) makes {@code ChannelExec.start} start a pump thread, and that races the
     * session's reader thread: the CLOSE of a command that ended at once nulls the thread JSch is still
     * starting, and {@code connect} throws a NullPointerException although the command ran (JSch 2.28.8).
     */
    private void writeStdin(ChannelExec ch, byte[] stdin) {
        writeStdin(ch, new java.io.ByteArrayInputStream(stdin));
    }

    /** As above, from a stream (the command's deadline does not cover a stream that blocks: its source decides). */
    private void writeStdin(ChannelExec ch, InputStream stdin) {
        try (OutputStream in = ch.getOutputStream()) {
            stdin.transferTo(in);
        } catch (IOException e) {
            // the command ended without reading its stdin (the channel is closed): its exit status tells the rest
            LOG.log(System.Logger.Level.DEBUG, "{0}: stdin not delivered: {1}", name(), e.getMessage());
        }
    }

    /**
     * An error naming the command by its first line: a whole script would flood the host's status line. Not
     * logged here either: this layer has no log that redacts secrets; the caller knows what it ran.
     */
    private HostFailureException failure(String what, String command, Throwable cause) {
        return cause == null ? new HostFailureException(name(), what + ": " + brief(command))
                : new HostFailureException(name(), what + ": " + brief(command), cause);
    }

    /** A command as messages show it: its first line, at most {@value #BRIEF_LENGTH} characters. */
    static String brief(String command) {
        String s = command.strip();
        int nl = s.indexOf('\n');
        String first = (nl < 0 ? s : s.substring(0, nl)).stripTrailing();
        boolean cut = nl >= 0;
        if (first.length() > BRIEF_LENGTH) {
            first = first.substring(0, BRIEF_LENGTH);
            cut = true;
        }
        return cut ? first + "\u2026" : first;
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
            return connectChannel("sftp", (ChannelSftp sftp) -> {
            });
        } catch (ChannelStartException e) {
            channels.release();
            throw new HostFailureException(name(), "cannot open an SFTP channel: " + e.getMessage(), e.getCause());
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

    /** A JSch local forward on 127.0.0.1 (a free port) to targetHost:targetPort seen from the host; lives with the session. */
    @Override
    public int forwardLocalPort(String targetHost, int targetPort) {
        try {
            return session().setPortForwardingL("127.0.0.1", 0, targetHost, targetPort);
        } catch (JSchException e) {
            throw new HostFailureException(name(), "cannot forward a local port to " + targetHost + ":" + targetPort
                    + " through the SSH connection (" + e.getMessage() + "); the host's sshd may forbid it"
                    + " (AllowTcpForwarding no)", e);
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
