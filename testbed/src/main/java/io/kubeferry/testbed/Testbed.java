package io.kubeferry.testbed;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Java handle on the local test datacenter made by {@code testbed/testbed.sh}.
 *
 * <p>{@link #shared(int)} brings it up once per JVM (reusing hosts a previous JVM left running) and is
 * what integration tests call first. The testbed is deliberately not torn down at JVM exit: other modules'
 * test JVMs reuse it; {@code make test} runs {@code testbed.sh down} at the very end.
 */
public final class Testbed {

    /** Where testbed.sh keeps its state; must match STATE_DIR in testbed.sh. */
    public static final Path STATE_DIR = Path.of("/var/lib/kubeferry-testbed");
    static final Path JVM_LOCK_FILE = Path.of("/tmp/kubeferry-testbed.lock");
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(5);

    /**
     * The one testbed of this JVM. Static on purpose: the lock that keeps other test JVMs away must be held
     * once per JVM, and every test class of the JVM must share the same hosts.
     */
    private static final Object SHARED_GUARD = new Object();
    private static Testbed sharedInstance;
    private static FileLock jvmLock;

    private final List<TestHost> hosts;
    private final Path privateKey;
    private final String password;
    private final Path knownHosts;

    private Testbed(List<TestHost> hosts, Path privateKey, String password, Path knownHosts) {
        this.hosts = List.copyOf(hosts);
        this.privateKey = privateKey;
        this.password = password;
        this.knownHosts = knownHosts;
    }

    /**
     * Brings the testbed up with at least n hosts (reusing a running one), once per JVM; aborts the calling
     * test via {@link Assumptions} when not root or when system property testbed.skip=true. Holds a
     * cross-process file lock (/tmp/kubeferry-testbed.lock) for the JVM's lifetime so two test JVMs never race.
     */
    public static Testbed shared(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one host, got " + n);
        }
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"),
                "test datacenter disabled by -Dtestbed.skip=true");
        Assumptions.assumeTrue(isRoot(), "test datacenter needs root (network namespaces, mounts); skipping");
        synchronized (SHARED_GUARD) {
            if (sharedInstance != null && sharedInstance.hosts.size() >= n) {
                return sharedInstance;
            }
            if (jvmLock == null) {
                jvmLock = lockForJvmLifetime();
            }
            ExecResult up = runScript(List.of("up", Integer.toString(n)), SCRIPT_TIMEOUT);
            if (up.exitCode() != 0) {
                throw new IllegalStateException("testbed.sh up " + n + " failed (exit " + up.exitCode() + ")\n"
                        + up.stdout() + "\n" + up.stderr());
            }
            sharedInstance = load();
            if (sharedInstance.hosts.size() < n) {
                throw new IllegalStateException("testbed.sh up " + n + " left only " + sharedInstance.hosts.size()
                        + " hosts in " + STATE_DIR.resolve("hosts.tsv"));
            }
            return sharedInstance;
        }
    }

    /**
     * Like {@link #shared} but with n hosts made anew (down, then up): for tests that install a cluster and need
     * hosts without anything an earlier test left (a running kubelet, containerd, files). Host keys change;
     * {@link #knownHosts()} has the new ones.
     */
    public static Testbed fresh(int n) {
        shared(1); // the JVM lock and the skip rules first
        synchronized (SHARED_GUARD) {
            ExecResult down = runScript(List.of("down"), SCRIPT_TIMEOUT);
            if (down.exitCode() != 0) {
                throw new IllegalStateException("testbed.sh down failed (exit " + down.exitCode() + ")\n" + down.stderr());
            }
            sharedInstance = null;
        }
        return shared(n);
    }

    /** Every host of the testbed (at least as many as asked for), ordered kf-h1, kf-h2, ... */
    public List<TestHost> hosts() {
        return hosts;
    }

    /** Host number {@code index1Based} (1 = kf-h1). */
    public TestHost host(int index1Based) {
        if (index1Based < 1 || index1Based > hosts.size()) {
            throw new IndexOutOfBoundsException("testbed has hosts 1.." + hosts.size() + ", asked for " + index1Based);
        }
        return hosts.get(index1Based - 1);
    }

    /** root's (and kfnopass's) test private key file: RSA, PEM ("BEGIN RSA PRIVATE KEY"), no passphrase. */
    public Path privateKey() {
        return privateKey;
    }

    /** Test password of root, kfuser and kfnopass. */
    public String password() {
        return password;
    }

    /** known_hosts with every host's key, by IP address. */
    public Path knownHosts() {
        return knownHosts;
    }

    /** Stops the host's sshd (the host itself stays up): connections to it are then refused. */
    public void stopSsh(TestHost h) {
        check(runScript(List.of("stop-ssh", h.name()), SCRIPT_TIMEOUT), "stop-ssh " + h.name());
    }

    /** Starts the host's sshd again (no-op when it runs). */
    public void startSsh(TestHost h) {
        check(runScript(List.of("start-ssh", h.name()), SCRIPT_TIMEOUT), "start-ssh " + h.name());
    }

    /** Shapes the host's link to e.g. "10mbit"; null or "none" removes the shaping. */
    public void shape(TestHost h, String rate) {
        String r = rate == null || rate.isBlank() ? "none" : rate;
        check(runScript(List.of("shape", h.name(), r), SCRIPT_TIMEOUT), "shape " + h.name() + " " + r);
    }

    /** Runs {@code shellCommand} with /bin/sh inside the host as root (entering its namespaces, not via ssh). */
    public ExecResult exec(TestHost h, String shellCommand) {
        return exec(h, shellCommand, SCRIPT_TIMEOUT);
    }

    /** Like {@link #exec(TestHost, String)} with an explicit timeout. */
    public ExecResult exec(TestHost h, String shellCommand, Duration timeout) {
        Objects.requireNonNull(shellCommand, "shellCommand");
        return runScript(List.of("exec", h.name(), "/bin/sh", "-c", shellCommand), timeout);
    }

    /**
     * Copies a machine file into the host (as root, streamed through the host's namespaces, not ssh); the
     * host path's parent directory must exist.
     */
    public void copyTo(TestHost h, Path localFile, String hostPath) {
        Objects.requireNonNull(hostPath, "hostPath");
        List<String> cmd = new ArrayList<>(List.of("bash", script().toString(), "exec", h.name(), "/bin/sh", "-c",
                "cat > \"$1\"", "copyTo", hostPath));
        check(run(cmd, localFile, SCRIPT_TIMEOUT), "exec " + h.name() + " (copy " + localFile + " to " + hostPath + ")");
    }

    /** Path of testbed.sh, found via system property kubeferry.repo.root or by walking up from the cwd. */
    public static Path script() {
        String root = System.getProperty("kubeferry.repo.root");
        if (root != null && !root.isBlank()) {
            Path p = Path.of(root).resolve("testbed/testbed.sh");
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("testbed/testbed.sh");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("testbed/testbed.sh not found: set -Dkubeferry.repo.root=<repo> "
                + "or run from inside the repository (cwd " + Path.of("").toAbsolutePath() + ")");
    }

    /** Runs {@code testbed.sh ARGS...} and captures its output. */
    static ExecResult runScript(List<String> args, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add("bash");
        cmd.add(script().toString());
        cmd.addAll(args);
        return run(cmd, null, timeout);
    }

    private static ExecResult run(List<String> cmd, Path stdin, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            // files, not pipes: no reader threads, no deadlock on big outputs
            out = Files.createTempFile("testbed-out", ".txt");
            err = Files.createTempFile("testbed-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd);
            // this JVM holds /tmp/kubeferry-testbed.lock already: testbed.sh must not wait for it
            pb.environment().put("KUBEFERRY_TESTBED_JVM_LOCK", "held");
            Process p = pb
                    .redirectInput(ProcessBuilder.Redirect.from((stdin == null ? Path.of("/dev/null") : stdin).toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                return new ExecResult(124, Files.readString(out), Files.readString(err)
                        + "\n[testbed] timed out after " + timeout + ": " + String.join(" ", cmd));
            }
            return new ExecResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("running " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void check(ExecResult r, String what) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException("testbed.sh " + what + " failed (exit " + r.exitCode() + "): "
                    + r.stdout() + r.stderr());
        }
    }

    /** Reads what testbed.sh up wrote: hosts.tsv (name, address, port, fingerprint), keys, password. */
    private static Testbed load() {
        try {
            List<TestHost> hosts = new ArrayList<>();
            for (String line : Files.readAllLines(STATE_DIR.resolve("hosts.tsv"))) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                if (f.length != 4) {
                    throw new IllegalStateException("bad line in " + STATE_DIR.resolve("hosts.tsv") + ": " + line);
                }
                hosts.add(new TestHost(f[0], f[1], Integer.parseInt(f[2]), f[3]));
            }
            String password = Files.readString(STATE_DIR.resolve("password")).strip();
            return new Testbed(hosts, STATE_DIR.resolve("keys/id_rsa"), password, STATE_DIR.resolve("known_hosts"));
        } catch (IOException e) {
            throw new UncheckedIOException("reading testbed state in " + STATE_DIR, e);
        }
    }

    private static FileLock lockForJvmLifetime() {
        try {
            // never closed: the OS releases it when the JVM exits, however it exits
            FileChannel ch = FileChannel.open(JVM_LOCK_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                System.err.println("[testbed] waiting for another test JVM (or testbed.sh up/down) holding " + JVM_LOCK_FILE);
                lock = ch.lock();
            }
            return lock;
        } catch (IOException e) {
            throw new UncheckedIOException("locking " + JVM_LOCK_FILE, e);
        }
    }

    private static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Integer i && i == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
