package io.kubeferry.install;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.KeyPair;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The bundle's files pipelined through the hosts: the installer streams each file once, to the first host that needs
 * it; every host writes what it receives to disk and passes it on at once to the next host of a chain, so N hosts
 * take about the time of one plus a few seconds (measured in the README: a chain beats a tree here because every
 * host's link carries the payload once in and once out, the most a link can do at full rate).
 *
 * <p>Connection set-up does not add up hop by hop: every host opens its OpenSSH connection to the next host at once,
 * all in parallel, before any data flows ({@code ssh -M}, a control master); a file's hop is then a session on that
 * open connection, a few milliseconds. That step is also the preflight: when a host cannot reach the next one, the
 * run says so and every host gets the plain copy from the installer instead.
 *
 * <p>What is put on a host and removed: a run directory under /tmp (a temporary key pair, made here for this run, an
 * ssh config with the next host's host key as the installer's verified connection read it, the receiver script, the
 * control socket) and one {@code authorized_keys} line of the login user, {@code from=} the previous host only,
 * {@code command=} the receiver only, {@code restrict}. A "holder" command started first on every host removes all of
 * it when the installer lets go, or by itself when the installer's connection goes away (a crash, a cut, sshd
 * killed): it waits on its stdin, which only ends then.
 *
 * <p>Data lands as {@code <sha256>.part} in {@link #DATA_DIR} (kept when a run is cut: the next run resumes every
 * chain from the shortest part its hosts hold); {@link #ensure} checks each file's sha256 on its host and moves it in
 * place, or, when it did not arrive intact (a host before it failed mid-relay), sends it the plain way. So a failed
 * host stalls no one: the hosts behind it end up with a short part, and the installer's own copy fills them in.
 *
 * <p>On the hosts it counts on sh, coreutils ({@code tee -p}, {@code truncate}, {@code sha256sum}) and an OpenSSH
 * client, nothing else.
 */
public final class RelayDistributor implements FileDistributor {
    private static final System.Logger LOG = System.getLogger(RelayDistributor.class.getName());
    /** Where relayed data lands (root creates it for the login user); next to the staging directory, so moving is a rename. */
    public static final String DATA_DIR = BundleBinaries.STAGING_DIR + "/.relay";
    /** The helpers of one run: {@code RUN_DIR_PREFIX + id}. */
    public static final String RUN_DIR_PREFIX = "/tmp/kubeferry-relay-";
    /** The comment that ends every temporary authorized_keys line: {@code KEY_COMMENT_PREFIX + id}. */
    public static final String KEY_COMMENT_PREFIX = "kubeferry-relay-";
    /** Files sent through the chain at once (each a session on every host's connection; sshd allows 10 by default). */
    private static final int PARALLEL_FILES = 3;
    private static final Duration SHORT = Duration.ofMinutes(2);

    private final FileDistributor fallback;
    /** host name + local path -> the sha256 that host received through the relay (maybe cut short). */
    private final Map<String, String> relayed = new ConcurrentHashMap<>();
    /** local path -> sha256, of every file of the run: a part an earlier run left is cleared once the file is in place. */
    private final Map<Path, String> sha256s = new ConcurrentHashMap<>();
    private volatile Consumer<String> notice = s -> { };

    public RelayDistributor(FileDistributor fallback) {
        this.fallback = fallback;
    }

    public RelayDistributor() {
        this(FileDistributor.directCopy());
    }

    /** One host of the chain: its place, what it wants, what it already holds of each. */
    private record Hop(Host host, RemoteHost remote, Map<String, Long> partSizes, List<String> hostKeys) {
    }

    @Override
    public void prepare(List<Delivery> deliveries, Consumer<String> notice) {
        this.notice = notice;
        relayed.clear();
        deliveries.forEach(d -> sha256s.put(d.local(), d.sha256()));
        Map<String, List<Delivery>> byHost = new LinkedHashMap<>();
        for (Delivery d : deliveries) {
            byHost.computeIfAbsent(d.host().name(), h -> new ArrayList<>()).add(d);
        }
        if (byHost.size() < 2) {
            return; // one host: the plain copy is the relay
        }
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "relay");
            t.setDaemon(true);
            return t;
        });
        CountDownLatch release = new CountDownLatch(1);
        Map<String, Future<ExecResult>> holders = new LinkedHashMap<>();
        try {
            List<Hop> chain = survey(byHost, pool, notice);
            if (chain.size() < 2) {
                return;
            }
            for (Hop h : chain) {
                holders.put(h.host().name(), pool.submit(() -> h.remote().execAsLoginUser(holdCommand(id),
                        new BlockingInput(release), Duration.ofDays(1))));
            }
            if (!setUp(chain, byHost, id, pool, notice)) {
                return;
            }
            send(chain, byHost, id, pool);
        } catch (UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, "relay not possible: {0}", e.getMessage());
            relayed.clear();
        } finally {
            release.countDown();
            for (var h : holders.entrySet()) {
                try {
                    ExecResult r = h.getValue().get(1, TimeUnit.MINUTES);
                    if (r.exitCode() != 0 && !r.stderr().isBlank()) {
                        LOG.log(System.Logger.Level.DEBUG, "{0}: relay holder: {1}", h.getKey(), r.stderr().strip());
                    }
                } catch (Exception e) {
                    // the host went away: its holder saw its stdin end and cleaned up by itself
                    LOG.log(System.Logger.Level.DEBUG, "{0}: relay holder ended: {1}", h.getKey(), e.getMessage());
                }
            }
            pool.shutdownNow();
        }
    }

    /**
     * Every host at once, as root: the data directory made for the login user, what it holds of each file (the
     * staged file already right: not wanted; else the size of its part), its host keys. A host that fails here is
     * left out of the chain (its {@link #ensure} then fails naming it).
     */
    private List<Hop> survey(Map<String, List<Delivery>> byHost, ExecutorService pool, Consumer<String> notice) {
        Map<String, Future<Hop>> futures = new LinkedHashMap<>();
        for (List<Delivery> ds : byHost.values()) {
            futures.put(ds.get(0).host().name(), pool.submit(() -> surveyOne(ds)));
        }
        List<Hop> chain = new ArrayList<>();
        for (var f : futures.entrySet()) {
            try {
                Hop h = f.getValue().get();
                if (!h.partSizes().isEmpty()) {
                    chain.add(h);
                }
            } catch (Exception e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                if (c instanceof UnsupportedOperationException u) {
                    throw u;
                }
                notice.accept("relay: " + f.getKey() + " left out (" + c.getMessage() + "); it gets the plain copy");
            }
        }
        return chain;
    }

    private static Hop surveyOne(List<Delivery> ds) {
        Delivery first = ds.get(0);
        String user = first.host().ssh() == null ? "root" : first.host().ssh().user();
        StringBuilder sh = new StringBuilder("set -e\nD=" + DATA_DIR + "\nmkdir -p \"$D\"\nchown "
                + Shell.quote(user) + " \"$D\"\nchmod 700 \"$D\"\nfor k in /etc/ssh/ssh_host_*_key.pub; do"
                + " if [ -r \"$k\" ]; then printf 'key %s\\n' \"$(cut -d' ' -f1,2 \"$k\")\"; fi; done\n");
        for (Delivery d : ds) {
            sh.append("if [ \"$(sha256sum 2>/dev/null < ").append(Shell.quote(d.remotePath())).append(" | cut -c1-64)\" = ")
                    .append(d.sha256()).append(" ]; then echo 'have ").append(d.sha256()).append("'; else echo \"part ")
                    .append(d.sha256()).append(" $(stat -c %s \"$D/").append(d.sha256()).append(".part\" 2>/dev/null || echo 0)\"; fi\n");
        }
        ExecResult r = first.remote().execChecked(sh.toString());
        Map<String, Long> parts = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            String[] w = line.strip().split(" ");
            if (w[0].equals("key") && w.length == 3) {
                keys.add(w[1] + " " + w[2]);
            } else if (w[0].equals("part") && w.length == 3) {
                parts.put(w[1], Long.parseLong(w[2]));
            }
        }
        return new Hop(first.host(), first.remote(), parts, keys);
    }

    /**
     * The key pair, every host's helpers and key line (all hosts at once), then every host's connection to the next
     * (all at once: the preflight). False, said why, when a host cannot reach the next one.
     */
    private boolean setUp(List<Hop> chain, Map<String, List<Delivery>> byHost, String id, ExecutorService pool,
                          Consumer<String> notice) {
        KeyPair key;
        byte[] privateKey;
        String publicKey;
        try {
            key = KeyPair.genKeyPair(new JSch(), KeyPair.ECDSA, 256);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            key.writePrivateKey(out);
            privateKey = out.toByteArray();
            publicKey = "ecdsa-sha2-nistp256 " + Base64.getEncoder().encodeToString(key.getPublicKeyBlob());
        } catch (JSchException e) {
            throw new IllegalStateException("cannot make the relay's temporary key: " + e.getMessage(), e);
        }
        try {
            Map<String, Future<ExecResult>> setups = new LinkedHashMap<>();
            for (int i = 0; i < chain.size(); i++) {
                String script = setUpCommand(chain, i, id, publicKey);
                RemoteHost r = chain.get(i).remote();
                setups.put(chain.get(i).host().name(), pool.submit(() -> r.execAsLoginUser(script,
                        new ByteArrayInputStream(privateKey), SHORT)));
            }
            if (!allOk(setups, "could not set the relay up", notice)) {
                return false;
            }
            Map<String, Future<ExecResult>> masters = new LinkedHashMap<>();
            for (int i = 0; i + 1 < chain.size(); i++) {
                Hop h = chain.get(i);
                Hop next = chain.get(i + 1);
                masters.put(h.host().name() + " -> " + next.host().name() + " (" + next.host().internalAddress() + ":"
                        + port(next.host()) + ")", pool.submit(() -> h.remote().execAsLoginUser(masterCommand(id),
                        InputStream.nullInputStream(), SHORT)));
            }
            return allOk(masters, "the hosts cannot reach each other over SSH", notice);
        } finally {
            java.util.Arrays.fill(privateKey, (byte) 0);
        }
    }

    private boolean allOk(Map<String, Future<ExecResult>> futures, String what, Consumer<String> notice) {
        List<String> problems = new ArrayList<>();
        for (var f : futures.entrySet()) {
            try {
                ExecResult r = f.getValue().get();
                if (r.exitCode() != 0) {
                    problems.add(f.getKey() + ": " + firstLine(r.stderr().isBlank() ? "exit " + r.exitCode() : r.stderr()));
                }
            } catch (Exception e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                if (c instanceof UnsupportedOperationException u) {
                    throw u;
                }
                problems.add(f.getKey() + ": " + firstLine(String.valueOf(c.getMessage())));
            }
        }
        if (problems.isEmpty()) {
            return true;
        }
        notice.accept("relay: " + what + " (" + String.join("; ", problems)
                + "); every host gets the plain copy from the installer instead");
        return false;
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    /**
     * Every file through its chain: from the first host that wants it to the last, hosts between passing it on
     * without keeping it; resumed from the shortest part its wanting hosts hold. A few files at once, so one file's
     * session start-up along the chain overlaps another's data.
     */
    private void send(List<Hop> chain, Map<String, List<Delivery>> byHost, String id, ExecutorService pool) {
        Map<String, Delivery> files = new LinkedHashMap<>(); // sha256 -> one delivery of it (its local file)
        byHost.values().forEach(ds -> ds.forEach(d -> files.putIfAbsent(d.sha256(), d)));
        ExecutorService senders = Executors.newFixedThreadPool(PARALLEL_FILES, r -> {
            Thread t = new Thread(r, "relay-send");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Delivery file : files.values()) {
                int first = -1;
                int last = -1;
                long offset = Long.MAX_VALUE;
                for (int i = 0; i < chain.size(); i++) {
                    Long part = chain.get(i).partSizes().get(file.sha256());
                    if (part != null) {
                        first = first < 0 ? i : first;
                        last = i;
                        offset = Math.min(offset, Math.min(part, file.size()));
                    }
                }
                if (first < 0) {
                    continue;
                }
                for (int i = first; i <= last; i++) {
                    if (chain.get(i).partSizes().containsKey(file.sha256())) {
                        relayed.put(chain.get(i).host().name() + "\n" + file.local(), file.sha256());
                    }
                }
                if (offset > 0) {
                    notice.accept("relay: " + file.local().getFileName() + " resumed at " + offset / (1024 * 1024)
                            + " MiB of " + file.size() / (1024 * 1024) + " MiB (what an earlier cut run left on the hosts)");
                }
                Hop head = chain.get(first);
                long from = offset;
                int hops = last - first;
                done.add(senders.submit(() -> stream(head, file, from, hops, id)));
            }
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "relay stream: {0}", e.getMessage());
                }
            }
        } finally {
            senders.shutdownNow();
        }
    }

    /** The installer's part of a chain: the file from {@code offset} into the head's receiver. */
    private static void stream(Hop head, Delivery file, long offset, int hops, String id) {
        // generous: a link of 100 kB/s still makes it; a dead link is noticed sooner (keep-alives end the stream)
        Duration timeout = Duration.ofMinutes(30).plusSeconds(file.size() / 100_000);
        try (InputStream in = Files.newInputStream(file.local())) {
            in.skipNBytes(offset);
            ExecResult r = head.remote().execAsLoginUser("sh " + RUN_DIR_PREFIX + id + "/recv " + file.sha256() + " "
                    + offset + " " + hops, in, timeout);
            if (r.exitCode() != 0) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: relay of {1} ended with {2}: {3}", head.host().name(),
                        file.local(), r.exitCode(), r.stderr().strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Moves the relayed file in place once its sha256 is right on the host; anything else (not relayed, cut short
     * by a failed host before it, damaged) is sent the plain way, which resumes and verifies by itself.
     */
    @Override
    public boolean ensure(RemoteHost remote, Path local, String remotePath, int mode) {
        String sha = relayed.remove(remote.name() + "\n" + local);
        if (sha != null) {
            String part = DATA_DIR + "/" + sha + ".part";
            String dir = remotePath.substring(0, Math.max(1, remotePath.lastIndexOf('/')));
            String out = remote.execChecked("p=" + part + "\nif [ \"$(sha256sum 2>/dev/null < \"$p\" | cut -c1-64)\" = " + sha
                    + " ]; then mkdir -p " + Shell.quote(dir) + " && chown 0:0 \"$p\" && chmod " + Integer.toOctalString(mode)
                    + " \"$p\" && mv -f \"$p\" " + Shell.quote(remotePath) + " && echo relayed\nelse rm -f \"$p\"\nfi\n"
                    + "rmdir " + DATA_DIR + " 2>/dev/null; true").stdout();
            if (out.contains("relayed")) {
                return true;
            }
            notice.accept(remote.name() + ": " + local.getFileName() + " did not arrive whole through the relay;"
                    + " sent from the installer instead");
        }
        boolean sent = fallback.ensure(remote, local, remotePath, mode);
        String known = sha256s.get(local);
        if (known != null) {
            remote.exec("rm -f " + DATA_DIR + "/" + known + ".part; rmdir " + DATA_DIR + " 2>/dev/null; true");
        }
        return sent;
    }

    private static int port(Host h) {
        return h.ssh() == null ? 22 : h.ssh().port();
    }

    private static String user(Host h) {
        return h.ssh() == null ? "root" : h.ssh().user();
    }

    /**
     * Started first on every host, as the login user: makes the run directory, then waits on its stdin; when that
     * ends (released, or the connection gone) it closes the connection to the next host and removes the key line and
     * the run directory.
     */
    static String holdCommand(String id) {
        String run = RUN_DIR_PREFIX + id;
        return "R=" + run + "\nmkdir -m 700 \"$R\" || exit 1\n"
                + "cleanup() {\n"
                + "  [ -S \"$R/ctl\" ] && ssh -F \"$R/config\" -O exit next >/dev/null 2>&1\n"
                // the run's key line out, the rest kept line for line (sh only: no grep or sed on a bare host);
                // written beside and renamed, so an interrupted cleanup never leaves a cut authorized_keys
                + "  f=$HOME/.ssh/authorized_keys t=$HOME/.ssh/.authorized_keys.kubeferry found=\n"
                + "  if [ -f \"$f\" ]; then\n"
                + "    while IFS= read -r l || [ -n \"$l\" ]; do\n"
                + "      case $l in *' " + KEY_COMMENT_PREFIX + id + "') found=1 ;; *) printf '%s\\n' \"$l\" ;; esac\n"
                + "    done <\"$f\" >\"$t\"\n"
                + "    if [ -n \"$found\" ]; then chmod --reference=\"$f\" \"$t\" && mv -f \"$t\" \"$f\"; else rm -f \"$t\"; fi\n"
                + "  fi\n"
                + "  rm -rf \"$R\"\n}\n"
                + "trap cleanup EXIT\ntrap 'exit 1' HUP INT TERM PIPE\n"
                + ": >\"$R/held\"\ncat >/dev/null\n";
    }

    /** On host {@code i}: its private key (stdin), ssh config and host key of the next host, receiver, wanted files, key line. */
    private static String setUpCommand(List<Hop> chain, int i, String id, String publicKey) {
        String run = RUN_DIR_PREFIX + id;
        StringBuilder sh = new StringBuilder("set -e\nR=" + run + "\numask 077\n"
                + "n=0; while [ ! -e \"$R/held\" ]; do n=$((n + 1)); [ $n -le 100 ] || exit 1; sleep 0.1; done\n"
                + "cat >\"$R/key\"\nmkdir \"$R/want\"\n");
        for (String sha : chain.get(i).partSizes().keySet()) {
            sh.append(": >\"$R/want/").append(sha).append("\"\n");
        }
        if (i + 1 < chain.size()) {
            Host next = chain.get(i + 1).host();
            sh.append("cat >\"$R/config\" <<'EOF'\nHost next\n  HostName ").append(next.internalAddress())
                    .append("\n  Port ").append(port(next)).append("\n  User ").append(user(next))
                    .append("\n  HostKeyAlias next\n  IdentityFile ").append(run).append("/key\n  IdentitiesOnly yes\n")
                    .append("  UserKnownHostsFile ").append(run).append("/known_hosts\n  GlobalKnownHostsFile /dev/null\n")
                    .append("  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 10\n  ServerAliveInterval 2\n")
                    .append("  ServerAliveCountMax 3\n  ControlPath ").append(run).append("/ctl\n  LogLevel ERROR\nEOF\n")
                    .append("cat >\"$R/known_hosts\" <<'EOF'\n");
            for (String k : chain.get(i + 1).hostKeys()) {
                sh.append("next ").append(k).append('\n');
            }
            sh.append("EOF\n");
        }
        sh.append("cat >\"$R/recv\" <<'EOF'\n").append(receiver(run)).append("EOF\n");
        if (i > 0) {
            Host prev = chain.get(i - 1).host();
            String from = prev.internalAddress().equals(prev.address()) ? prev.internalAddress()
                    : prev.internalAddress() + "," + prev.address();
            sh.append("mkdir -p \"$HOME/.ssh\"\nprintf '%s\\n' ").append(Shell.quote("from=\"" + from + "\",command=\"sh "
                            + run + "/recv\",restrict " + publicKey + " " + KEY_COMMENT_PREFIX + id))
                    .append(" >>\"$HOME/.ssh/authorized_keys\"\n");
        }
        return sh.toString();
    }

    /**
     * The receiver: SHA OFFSET HOPS from the installer's command line, or from the previous host as the forced command
     * of the run's key. A wanted file is cut back to OFFSET and appended to ({@code tee -p}: a dead next host does not
     * stop this one's copy); with HOPS left it goes on to the next host over the open connection.
     */
    private static String receiver(String run) {
        return "set -f\n[ $# -gt 0 ] || set -- $SSH_ORIGINAL_COMMAND\n"
                + "[ $# -eq 3 ] && [ ${#1} -eq 64 ] || { echo 'relay: bad request' >&2; exit 2; }\n"
                + "case $1 in *[!0-9a-f]*) exit 2 ;; esac\ncase $2$3 in *[!0-9]*) exit 2 ;; esac\n"
                + "R=" + run + " D=" + DATA_DIR + " sha=$1 off=$2 hops=$3\n"
                + "next() { ssh -F \"$R/config\" -T next \"$sha $off $((hops - 1))\"; }\n"
                + "if [ -e \"$R/want/$sha\" ]; then\n"
                + "  p=$D/$sha.part\n  [ -e \"$p\" ] || : >\"$p\"\n  truncate -s \"$off\" \"$p\" || exit 3\n"
                + "  if [ \"$hops\" -gt 0 ]; then tee -p -a \"$p\" | next; else cat >>\"$p\"; fi\n"
                + "elif [ \"$hops\" -gt 0 ]; then next\nelse cat >/dev/null\nfi\n";
    }

    /** Host {@code i}'s connection to the next host, in the background until the holder closes it. */
    private static String masterCommand(String id) {
        String run = RUN_DIR_PREFIX + id;
        return "R=" + run + "\nssh -F \"$R/config\" -M -f -N -o ControlPersist=yes next </dev/null >/dev/null 2>\"$R/master.err\""
                + " || { cat \"$R/master.err\" >&2; exit 1; }\n";
    }

    /** A stdin that gives nothing and ends when {@code release} opens: the holder's lifeline. */
    private static final class BlockingInput extends InputStream {
        private final CountDownLatch release;

        BlockingInput(CountDownLatch release) {
            this.release = release;
        }

        @Override
        public int read() throws IOException {
            try {
                release.await();
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return read();
        }
    }
}
