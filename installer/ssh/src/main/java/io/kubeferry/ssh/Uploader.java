package io.kubeferry.ssh;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.SftpException;
import com.jcraft.jsch.SftpProgressMonitor;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.Shell;
import io.kubeferry.host.UploadResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * One upload to one host. The bytes go by SFTP to {@code <dir>/.<name>.kfpart}, made 0600 before the first byte
 * (it may hold a private key); root then checks the
 * sha256 on the host, sets owner root and the mode, and renames it into place, so the target is never
 * half-written. A partial file left by a dropped connection is resumed when its content is a prefix of
 * ours (compared by sha256), otherwise replaced.
 */
final class Uploader {
    static final String PART_SUFFIX = ".kfpart";

    /**
     * {@code /dir/.name.kfpart}: a hidden name next to the target, so that programs that read every file of a
     * directory (the kubelet's static pod directory, systemd's drop-in directories) skip a partial upload.
     */
    static String partPath(String remotePath) {
        int slash = remotePath.lastIndexOf('/');
        return remotePath.substring(0, slash + 1) + "." + remotePath.substring(slash + 1) + PART_SUFFIX;
    }

    /**
     * For a sudo login user: {@code /var/tmp/kubeferry-upload-USER/<hash>-name.kfpart}. SFTP runs as that user, who
     * may not be able to enter the target's directory (the kubelet's /var/lib/kubelet is 0700 root), so the bytes go
     * to a directory of the user's own (made by root, 0700, refused when it is a link) and root copies them next to
     * the target and renames them in.
     */
    static String stagedPartPath(String user, String remotePath) {
        String name = remotePath.substring(remotePath.lastIndexOf('/') + 1);
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(remotePath.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return stagingDir(user) + "/" + java.util.HexFormat.of().formatHex(digest).substring(0, 16) + "-" + name + PART_SUFFIX;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    static String stagingDir(String user) {
        return "/var/tmp/kubeferry-upload-" + user;
    }

    private static final Duration REMOTE_HASH_TIMEOUT = Duration.ofMinutes(10);

    private final SshHost host;
    private final int attempts;
    private final TransferListener listener;
    private long sentTotal;

    Uploader(SshHost host, int attempts, TransferListener listener) {
        this.host = host;
        this.attempts = attempts;
        this.listener = listener == null ? TransferListener.NONE : listener;
    }

    UploadResult upload(UploadSource src, String remotePath, int mode) {
        checkPath(remotePath);
        if (mode < 0 || mode > 07777) {
            throw new BadInputException(host.name(), "bad file mode " + Integer.toOctalString(mode) + " for " + remotePath);
        }
        String part = host.settings().needsSudo() ? stagedPartPath(host.settings().user(), remotePath) : partPath(remotePath);
        long size = src.size();
        String sha = null;
        KubeferryException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                RemoteState state = query(remotePath, part);
                String[] hashes = src.sha256(state.partSize, sha == null);
                if (sha == null) {
                    sha = hashes[0];
                }
                if (sha.equals(state.targetSha)) {
                    fixOwnerAndMode(remotePath, part, mode, state);
                    UploadResult r = new UploadResult(remotePath, size, sentTotal, true, sha);
                    listener.finished(host.name(), r);
                    return r;
                }
                long offset = state.partSize > 0 && state.partSize <= size && state.partSha.equals(hashes[1])
                        ? state.partSize : 0;
                transfer(src, part, offset, size, remotePath);
                if (install(remotePath, part, mode, sha)) {
                    UploadResult r = new UploadResult(remotePath, size, sentTotal, false, sha);
                    listener.finished(host.name(), r);
                    return r;
                }
                last = new HostFailureException(host.name(), "sha256 of " + part + " does not match " + src.describe()
                        + " after the transfer (the partial file was removed)");
            } catch (BadInputException | UnexpectedStateException e) {
                throw e;
            } catch (KubeferryException e) {
                last = e;
            } catch (UncheckedIOException e) {
                throw new HostFailureException(host.name(), "upload of " + src.describe() + " failed: " + e.getMessage(), e);
            }
            if (attempt < attempts) {
                listener.retrying(host.name(), remotePath, attempt + 1, reasonOf(last));
            }
        }
        throw new HostFailureException(host.name(), "upload of " + src.describe() + " to " + remotePath + " failed"
                + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": " + reasonOf(last), last);
    }

    /** A failure's message without the host name: the caller names the host itself. */
    private static String reasonOf(KubeferryException e) {
        return e instanceof HostFailureException h ? h.reason() : e.getMessage();
    }

    private void checkPath(String p) {
        if (p == null || !p.startsWith("/") || p.endsWith("/") || p.contains("\n") || p.contains("\0")
                || p.contains("/../") || p.endsWith("/..")) {
            throw new BadInputException(host.name(), "remote path must be an absolute file path, got " + p);
        }
    }

    private record RemoteState(String targetSha, String targetModeOwner, long partSize, String partSha) {
    }

    private RemoteState query(String target, String part) {
        String script = "T=" + Shell.quote(target) + "; P=" + Shell.quote(part) + "\n"
                + "if [ -d \"$T\" ]; then echo isdir; exit 0; fi\n"
                + "mkdir -p -- \"$(dirname -- \"$T\")\" || exit 1\n"
                + "if [ -f \"$T\" ]; then echo \"target $(sha256sum < \"$T\" | cut -d' ' -f1) $(stat -c '%a:%u:%g' -- \"$T\")\"; fi\n"
                + "if [ -f \"$P\" ]; then echo \"part $(stat -c %s -- \"$P\") $(sha256sum < \"$P\" | cut -d' ' -f1)\"; fi\n";
        ExecResult r = checked(script, REMOTE_HASH_TIMEOUT, "inspect " + target);
        String targetSha = null;
        String modeOwner = null;
        long partSize = -1;
        String partSha = null;
        for (String line : r.stdout().split("\n")) {
            String[] w = line.strip().split(" ");
            switch (w[0]) {
                case "isdir" -> throw new HostFailureException(host.name(), target + " is a directory; expected a file path");
                case "target" -> {
                    targetSha = w[1];
                    modeOwner = w.length > 2 ? w[2] : "";
                }
                case "part" -> {
                    partSize = Long.parseLong(w[1]);
                    partSha = w[2];
                }
                default -> {
                }
            }
        }
        return new RemoteState(targetSha, modeOwner, partSize, partSha);
    }

    private void fixOwnerAndMode(String target, String part, int mode, RemoteState state) {
        String want = Integer.toOctalString(mode) + ":0:0";
        boolean stalePart = state.partSize >= 0;
        if (want.equals(state.targetModeOwner) && !stalePart) {
            return;
        }
        checked("chown 0:0 -- " + Shell.quote(target) + " && chmod " + Integer.toOctalString(mode) + " -- "
                + Shell.quote(target) + " && rm -f -- " + Shell.quote(part), Duration.ofMinutes(1), "set mode of " + target);
    }

    private void transfer(UploadSource src, String part, long offset, long size, String remotePath) {
        listener.started(host.name(), remotePath, size, offset);
        if (offset == size && offset > 0) {
            return;
        }
        preparePart(part);
        ChannelSftp sftp = host.openSftp();
        Progress progress = new Progress(remotePath, offset, size);
        try (InputStream in = src.open()) {
            in.skipNBytes(offset);
            sftp.put(in, sftpLiteral(part), progress, offset == 0 ? ChannelSftp.OVERWRITE : ChannelSftp.APPEND);
        } catch (SftpException e) {
            throw new HostFailureException(host.name(), "SFTP write to " + part + " failed at byte " + progress.done
                    + ": " + sftpMessage(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + src.describe(), e);
        } finally {
            sentTotal += progress.sent;
            host.releaseSftp(sftp);
        }
    }

    /**
     * Makes the partial file exist with mode 0600 before a byte is written: SFTP would create it with the server's
     * default mode (0644 typically), and private keys would be world-readable in transit and, after a dropped
     * connection, until the next upload. SFTP keeps the mode of a file it overwrites or appends to. For a sudo
     * user, SFTP runs as the login user: the file is then theirs, still 0600.
     */
    private void preparePart(String part) {
        String staging = host.settings().needsSudo() ? stagingDir(host.settings().user()) : null;
        String script = "P=" + Shell.quote(part) + "\n"
                + (staging == null ? "" : "S=" + Shell.quote(staging) + "; if [ -L \"$S\" ]; then echo \"$S is a link\" >&2;"
                + " exit 1; fi; mkdir -p -- \"$S\" && chown -- " + Shell.quote(host.settings().user()) + " \"$S\" && chmod 700 -- \"$S\" || exit 1\n")
                + "umask 077; [ -f \"$P\" ] || : > \"$P\" || exit 1; chmod 600 -- \"$P\" || exit 1\n"
                + (host.settings().needsSudo() ? "chown -- " + Shell.quote(host.settings().user()) + " \"$P\" || exit 1\n" : "");
        checked(script, Duration.ofMinutes(1), "prepare " + part);
    }

    /** JSch treats * and ? in SFTP paths as globs and drops backslashes; escape them so the path is taken literally. */
    static String sftpLiteral(String path) {
        return path.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
    }

    private static String sftpMessage(SftpException e) {
        String m = e.getMessage();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && (m == null || !m.contains(c.getMessage()))) {
            m = (m == null ? "" : m + ": ") + c.getMessage();
        }
        return m == null ? "error " + e.id : m;
    }

    /** @return false when the sha256 on the host is not ours (the partial file is then removed) */
    private boolean install(String target, String part, int mode, String sha) {
        String script = "T=" + Shell.quote(target) + "; P=" + Shell.quote(part) + "\n"
                + "s=$(sha256sum < \"$P\" | cut -d' ' -f1) || exit 1\n"
                + "if [ \"$s\" != " + sha + " ]; then rm -f -- \"$P\"; echo mismatch; exit 0; fi\n"
                + (partPath(target).equals(part)
                ? "chown 0:0 -- \"$P\" && chmod " + Integer.toOctalString(mode) + " -- \"$P\" && mv -f -- \"$P\" \"$T\""
                : "N=" + Shell.quote(partPath(target) + ".new") + "; cp -- \"$P\" \"$N\" && chown 0:0 -- \"$N\" && chmod "
                + Integer.toOctalString(mode) + " -- \"$N\" && mv -f -- \"$N\" \"$T\" && rm -f -- \"$P\"")
                + " && echo installed\n";
        ExecResult r = checked(script, REMOTE_HASH_TIMEOUT, "install " + target);
        return r.stdout().contains("installed");
    }

    private ExecResult checked(String script, Duration timeout, String what) {
        ExecResult r = host.exec(script, timeout);
        if (!r.ok()) {
            throw new HostFailureException(host.name(), "cannot " + what + " (exit " + r.exitCode() + ")"
                    + (r.stderr().isBlank() ? "" : ": " + r.stderr().strip()));
        }
        return r;
    }

    /** Feeds the listener and counts what this attempt put on the wire. */
    private final class Progress implements SftpProgressMonitor {
        private final String remotePath;
        private final long size;
        private long done;
        private long sent;

        Progress(String remotePath, long offset, long size) {
            this.remotePath = remotePath;
            this.done = offset;
            this.size = size;
        }

        @Override
        public void init(int op, String src, String dest, long max) {
        }

        @Override
        public boolean count(long count) {
            done += count;
            sent += count;
            listener.progress(host.name(), remotePath, done, size);
            return true;
        }

        @Override
        public void end() {
        }
    }
}
