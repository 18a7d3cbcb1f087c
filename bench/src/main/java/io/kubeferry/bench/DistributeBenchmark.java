package io.kubeferry.bench;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.install.FileDistributor;
import io.kubeferry.install.RelayDistributor;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Role;
import io.kubeferry.inventory.SshSettings;
import io.kubeferry.ssh.SshHost;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The distribute phase's file transfer to N test hosts: the relay ({@link RelayDistributor}) and the plain parallel
 * SFTP copy from the installer ({@link FileDistributor#directCopy()}), one after the other in the same run, on the
 * same connections, with the same payload (an image archive and two binaries, 25 MB). Run inside a test host (so the
 * installer's own link is shaped like every other one) by scripts/bench-distribute.sh, which prints the table.
 *
 * <p>Run: {@code java -cp bench.jar io.kubeferry.bench.DistributeBenchmark KEY KNOWN_HOSTS N}; prints
 * {@code N relay-seconds copy-seconds}.
 */
public final class DistributeBenchmark {
    private static final String STAGE = "/var/lib/kubeferry/bundle/bench";
    /** name, size: the shape of a bundle's payload, scaled down. */
    private static final Map<String, Integer> PAYLOAD = Map.of("images.tar", 20_000_000, "kubelet", 3_000_000, "containerd.tar.gz", 2_000_000);

    public static void main(String[] args) throws Exception {
        Path key = Path.of(args[0]);
        Path knownHosts = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        Path dir = Files.createTempDirectory("kf-distribute-bench");
        List<Path> files = new ArrayList<>();
        long seed = 1;
        for (var e : PAYLOAD.entrySet()) {
            files.add(write(dir.resolve(e.getKey()), e.getValue(), seed++));
        }
        List<Host> hosts = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            SshSettings ssh = new SshSettings("root", 22, null, key, null, SshSettings.Sudo.NONE, null, null, null, knownHosts,
                    SshSettings.HostKeyPolicy.STRICT, Duration.ofSeconds(20));
            String address = "10.250.0." + (10 + i);
            hosts.add(new Host("kf-h" + i, address, address, ssh, Set.of(Role.WORKER), Map.of(), List.of()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(n, 2));
        List<SshHost> remotes = new ArrayList<>();
        try {
            for (Future<SshHost> f : pool.invokeAll(hosts.stream().map(h -> (java.util.concurrent.Callable<SshHost>) () -> SshHost.connect(h)).toList())) {
                remotes.add(f.get());
            }
            clean(remotes, pool);
            double relay = run(new RelayDistributor(), hosts, remotes, files, pool);
            clean(remotes, pool);
            double copy = run(FileDistributor.directCopy(), hosts, remotes, files, pool);
            clean(remotes, pool);
            System.out.printf("%d %.1f %.1f%n", n, relay, copy);
        } finally {
            remotes.forEach(SshHost::close);
            pool.shutdownNow();
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
    }

    /** As the distribute phase does it: prepare with every host's files, then every host's files at once; seconds. */
    private static double run(FileDistributor d, List<Host> hosts, List<SshHost> remotes, List<Path> files,
                              ExecutorService pool) throws Exception {
        List<FileDistributor.Delivery> ds = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            for (Path f : files) {
                ds.add(new FileDistributor.Delivery(hosts.get(i), remotes.get(i), f, STAGE + "/" + f.getFileName(), sha256(f), Files.size(f)));
            }
        }
        long t0 = System.nanoTime();
        d.prepare(ds, s -> System.err.println("  " + s));
        List<Future<Object>> fs = new ArrayList<>();
        for (RemoteHost r : remotes) {
            fs.add(pool.submit(() -> {
                for (Path f : files) {
                    if (!d.ensure(r, f, STAGE + "/" + f.getFileName(), 0644)) {
                        throw new IllegalStateException(r.name() + " had " + f + " before the run");
                    }
                }
                return null;
            }));
        }
        for (Future<Object> f : fs) {
            f.get();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void clean(List<SshHost> remotes, ExecutorService pool) throws Exception {
        List<Future<?>> fs = new ArrayList<>();
        for (RemoteHost r : remotes) {
            fs.add(pool.submit(() -> r.execChecked("rm -rf " + STAGE + " " + RelayDistributor.DATA_DIR)));
        }
        for (Future<?> f : fs) {
            f.get();
        }
    }

    private static Path write(Path p, int size, long seed) throws Exception {
        byte[] buf = new byte[64 * 1024];
        Random r = new Random(seed);
        try (OutputStream out = Files.newOutputStream(p)) {
            for (int done = 0; done < size; done += buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, Math.min(buf.length, size - done));
            }
        }
        return p;
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
