package io.kubeferry.ssh;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.SshSettings.HostKeyPolicy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Decides whether the key a server shows is the right one, for one connection attempt. JSch asks
 * {@link #check}; we answer from the pinned fingerprint if there is one, else from known_hosts (read
 * fresh for every attempt, so keys recorded by another connection are seen). The reason of a refusal is
 * kept so the caller can turn JSch's terse exception into a message that says what to do.
 */
final class HostKeyVerifier implements HostKeyRepository {
    /** Serializes appends to known_hosts between connections of this JVM; the file lock covers other processes. */
    private static final Object APPEND_LOCK = new Object();

    private final String hostName;
    private final String display;
    private final Path knownHostsFile;
    private final HostKeyPolicy policy;
    private final String pinned;
    private final String pinnedSetting;
    private final HostKeyRepository known;
    private volatile KubeferryException refusal;
    private volatile String seenFingerprint;
    private volatile boolean accepted;

    /**
     * @param hostName      inventory name, for messages
     * @param display       {@code user@address:port}, for messages
     * @param pinnedSetting where the pin comes from, for messages (e.g. {@code ssh.hostKeyFingerprint})
     */
    HostKeyVerifier(String hostName, String display, Path knownHostsFile, HostKeyPolicy policy, String pinned,
                    String pinnedSetting) {
        this.hostName = hostName;
        this.display = display;
        this.knownHostsFile = knownHostsFile;
        this.policy = policy == null ? HostKeyPolicy.STRICT : policy;
        this.pinned = pinned == null || pinned.isBlank() ? null : pinned;
        this.pinnedSetting = pinnedSetting;
        this.known = loadKnownHosts(hostName, knownHostsFile);
    }

    private static HostKeyRepository loadKnownHosts(String hostName, Path file) {
        try {
            JSch jsch = new JSch();
            byte[] content = file != null && Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
            try (InputStream in = new ByteArrayInputStream(content)) {
                jsch.setKnownHosts(in);
            }
            return jsch.getHostKeyRepository();
        } catch (IOException e) {
            throw new BadInputException(hostName, "ssh.knownHostsFile " + file + " cannot be read: " + e.getMessage());
        } catch (JSchException e) {
            throw new BadInputException(hostName, "ssh.knownHostsFile " + file + " cannot be parsed: " + e.getMessage());
        }
    }

    /** The exception explaining why the key was refused, or null if it was not. */
    KubeferryException refusal() {
        return refusal;
    }

    /** Whether the server's key was accepted: the connection got past the key exchange, to authentication. */
    boolean accepted() {
        return accepted;
    }

    /** Fingerprint of the key the server showed, once it has. */
    String seenFingerprint() {
        return seenFingerprint;
    }

    @Override
    public int check(String host, byte[] key) {
        int r = decide(host, key);
        accepted = r == OK;
        return r;
    }

    private int decide(String host, byte[] key) {
        String actual = Fingerprints.sha256(key);
        seenFingerprint = actual;
        String type = Fingerprints.keyType(key);
        if (pinned != null) {
            if (Fingerprints.matches(pinned, actual)) {
                return OK;
            }
            refusal = changed(Fingerprints.normalize(pinned) + " (pinned in " + pinnedSetting + ")", actual, type,
                    "if the host was really reinstalled, update " + pinnedSetting + " to " + actual);
            return CHANGED;
        }
        int r = known.check(host, key);
        if (r == OK) {
            return OK;
        }
        if (r == CHANGED) {
            String expected = Arrays.stream(known.getHostKey(host, type))
                    .map(k -> Fingerprints.sha256OfBase64(k.getKey()))
                    .collect(Collectors.joining(", "));
            refusal = changed(expected + " (in " + knownHostsFile + ")", actual, type,
                    "if the host was really reinstalled, remove the old entry with `ssh-keygen -R '" + host
                            + "' -f " + knownHostsFile + "` and connect again");
            return CHANGED;
        }
        if (policy == HostKeyPolicy.ACCEPT_NEW) {
            try {
                record(host, type, key);
                return OK;
            } catch (IOException e) {
                refusal = new HostFailureException(hostName, "cannot record the new host key of " + display + " ("
                        + type + " " + actual + ") in " + knownHostsFile + ": " + e);
                return NOT_INCLUDED;
            }
        }
        refusal = new HostFailureException(hostName, "host key of " + display + " is not known: " + type + " "
                + actual + " is not in " + knownHostsFile + ". Check the fingerprint on the host (`ssh-keygen -lf "
                + "/etc/ssh/ssh_host_*_key.pub`), then pin it (ssh.hostKeyFingerprint), add it to " + knownHostsFile
                + ", or set ssh.hostKeyPolicy: accept-new");
        return NOT_INCLUDED;
    }

    private UnexpectedStateException changed(String expected, String actual, String type, String fix) {
        return new UnexpectedStateException(hostName + ": HOST KEY CHANGED for " + display + ": expected "
                + expected + ", but the server presented " + type + " " + actual
                + ". Someone may be intercepting the connection; refusing to connect. " + fix);
    }

    private void record(String host, String type, byte[] key) throws IOException {
        String line = host + " " + type + " " + Base64.getEncoder().encodeToString(key) + "\n";
        synchronized (APPEND_LOCK) {
            Path parent = knownHostsFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel ch = FileChannel.open(knownHostsFile, StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                String text = line;
                if (ch.size() > 0) {
                    java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
                    ch.read(last, ch.size() - 1);
                    if (last.get(0) != '\n') {
                        text = "\n" + line; // the file's last line had no newline: do not glue ours to it
                    }
                }
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), ch.size());
            }
        }
    }

    @Override
    public void add(HostKey hostkey, UserInfo ui) {
        // recording is done in check(), only for accept-new
    }

    @Override
    public void remove(String host, String type) {
    }

    @Override
    public void remove(String host, String type, byte[] key) {
    }

    @Override
    public String getKnownHostsRepositoryID() {
        return knownHostsFile == null ? null : knownHostsFile.toString();
    }

    @Override
    public HostKey[] getHostKey() {
        return known.getHostKey();
    }

    @Override
    public HostKey[] getHostKey(String host, String type) {
        return known.getHostKey(host, type);
    }

    /** The name known_hosts uses for an address and port. */
    static String knownHostsName(String address, int port) {
        return port == 22 ? address : "[" + address + "]:" + port;
    }

    static List<String> fingerprintsOf(HostKey[] keys) {
        return Arrays.stream(keys).map(k -> Fingerprints.sha256OfBase64(k.getKey())).toList();
    }
}
