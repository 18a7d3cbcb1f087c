package io.kubeferry.testbed.standin;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A STAND-IN for the kubelet, for the install tests on the test datacenter (the Kubernetes binaries cannot be had
 * on this machine): the test bundle ships {@link #launcherScript} as its {@code kubelet}. It takes the real kubelet's
 * flags and config file (unknown flags are an error, worded as the kubelet's), refuses to run with swap on or
 * without any kubeconfig as the kubelet does, serves {@code /healthz} (plain HTTP, 10248 by default), runs the
 * static pods of its staticPodPath ({@link StaticPodSync}: etcd for real through containerd, the project's stand-in
 * API server in process, the real haproxy, stand-ins for the controller-manager and scheduler) and registers its
 * Node with the real kubectl ({@link NodeRegistration}). Every log line says "kubelet STAND-IN".
 *
 * With rotateCertificates it renews its client certificate through a CSR as the kubelet does
 * ({@link ClientCertificateRotation}).
 *
 * <p>Not done: pods other than static ones, probes, CRI (the images are checked and etcd run with ctr), TLS
 * bootstrap, serving certificate rotation, the kubelet's own API on 10250.
 *
 * <p>SIGTERM: stops the in-process API server and the haproxy children, leaves containerd tasks running (a real
 * kubelet's static pods survive its restart; the next stand-in re-attaches), exits 0.
 */
public final class KubeletStandIn {
    /** System property carrying the version the stand-in reports (--version, the Node's kubeletVersion). */
    public static final String VERSION_PROPERTY = "kubeferry.standin.kubeletVersion";
    static final String DEFAULT_VERSION = "v0.0.0-standin";

    private KubeletStandIn() {
    }

    /**
     * A POSIX sh script to install as {@code /usr/local/bin/kubelet}: runs this class with {@code javaExecutable} and
     * {@code classPath} (paths of the machine, visible read-only inside every test host). The class path must hold
     * this module and snakeyaml and, for the kube-apiserver pod, kubeferry-kube's test-jar and its dependencies.
     * Java resolves names from /etc/hosts only ({@code jdk.net.hosts.file}): a test host has no reachable DNS server,
     * and the JDK's HTTPS server looks up every client's address by name before the TLS handshake, which then took
     * 10 s (the resolver's timeout) for each connection from the machine (10.250.0.1) to the stand-in API server.
     */
    public static String launcherScript(Path javaExecutable, String classPath) {
        return launcherScript(javaExecutable, classPath, null);
    }

    /** As {@link #launcherScript(Path, String)}, reporting {@code kubeletVersion} (e.g. "v1.32.9-standin"; null: default). */
    public static String launcherScript(Path javaExecutable, String classPath, String kubeletVersion) {
        String version = kubeletVersion == null ? "" : " " + sh("-D" + VERSION_PROPERTY + "=" + kubeletVersion);
        return "#!/bin/sh\n"
                + "# kubelet STAND-IN (Kubeferry tests): not the real kubelet; see io.kubeferry.testbed.standin.KubeletStandIn\n"
                + "exec " + sh(javaExecutable.toString()) + " -XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 -Djdk.net.hosts.file=/etc/hosts" + version
                + " -cp " + sh(visibleInHosts(classPath)) + " " + KubeletStandIn.class.getName() + " \"$@\"\n";
    }

    /** Where class path entries from the machine's /tmp are copied: a test host has a /tmp of its own. */
    static final Path HOST_VISIBLE_COPIES = Path.of("/var/cache/kubeferry-standin");

    /**
     * The class path with every entry under /tmp (a clone or a build in /tmp: test hosts mount their own tmpfs
     * there, so they would not see it) copied below {@link #HOST_VISIBLE_COPIES}, which hosts see through their
     * copy-on-write view of the machine's root.
     */
    static String visibleInHosts(String classPath) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath().normalize();
            if (!p.startsWith("/tmp") || !java.nio.file.Files.exists(p)) {
                out.add(entry);
                continue;
            }
            Path copy = HOST_VISIBLE_COPIES.resolve(Integer.toHexString(p.toString().hashCode()) + "-" + p.getFileName());
            try {
                copyTree(p, copy);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot copy " + p + " to " + copy + " for the kubelet stand-in", e);
            }
            out.add(copy.toString());
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var all = java.nio.file.Files.walk(from)) {
            for (Path f : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (java.nio.file.Files.isDirectory(f)) {
                    java.nio.file.Files.createDirectories(target);
                } else {
                    java.nio.file.Files.createDirectories(target.getParent());
                    java.nio.file.Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** A single-quoted sh word. */
    private static String sh(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String version() {
        return System.getProperty(VERSION_PROPERTY, DEFAULT_VERSION);
    }

    static String architecture() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> a;
        };
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(Arrays.asList(args));
        } catch (Exception e) {
            StandInLog.error("command failed: " + e);
            code = 1;
        }
        System.exit(code);
    }

    static int run(List<String> args) throws Exception {
        KubeletFlags flags;
        try {
            flags = KubeletFlags.parse(args);
        } catch (KubeletFlags.BadFlagException e) {
            System.err.println("Error: " + e.getMessage());
            System.err.flush();
            return 1;
        }
        if (flags.bool("version", false)) {
            System.out.println("Kubernetes " + version());
            return 0;
        }
        if (flags.bool("help", false)) {
            System.out.println("kubelet STAND-IN (Kubeferry tests). Flags taking a value: " + String.join(", ", KubeletFlags.VALUE_FLAGS.stream().sorted().toList())
                    + "\nBoolean flags: " + String.join(", ", KubeletFlags.BOOL_FLAGS.stream().sorted().toList()));
            return 0;
        }
        StandInLog.info("starting: this is a STAND-IN for the kubelet " + version() + " (Kubeferry tests), flags " + args);
        KubeletConfig config;
        try {
            config = KubeletConfig.load(flags);
        } catch (IOException | RuntimeException e) {
            StandInLog.error("\"command failed\" err=\"" + e.getMessage() + "\"");
            return 1;
        }
        StandInLog.info("config: staticPodPath=" + config.staticPodPath() + " healthz=" + config.healthzBindAddress() + ":"
                + config.healthzPort() + " cgroupDriver=" + config.cgroupDriver() + " failSwapOn=" + config.failSwapOn()
                + " clientCAFile=" + config.clientCAFile() + " resolvConf=" + config.resolvConf());
        if (config.failSwapOn()) {
            List<String> swaps = swaps();
            if (!swaps.isEmpty()) {
                StandInLog.error("\"command failed\" err=\"failed to run Kubelet: running with swap on is not supported, please disable swap! "
                        + "or set --fail-swap-on flag to false. /proc/swaps contained: " + swaps + "\"");
                return 1;
            }
        }
        Path kubeconfig = flags.get("kubeconfig").map(Path::of).orElse(null);
        boolean bootstrapOnly = false;
        if (kubeconfig != null && !Files.isRegularFile(kubeconfig)) {
            String bootstrap = flags.get("bootstrap-kubeconfig").orElse(null);
            if (bootstrap == null || !Files.isRegularFile(Path.of(bootstrap))) {
                String why = bootstrap == null
                        ? "invalid kubeconfig: stat " + kubeconfig + ": no such file or directory"
                        : "unable to load bootstrap kubeconfig: stat " + bootstrap + ": no such file or directory";
                StandInLog.error("\"command failed\" err=\"failed to run Kubelet: " + why + "\"");
                return 1;
            }
            StandInLog.warn("kubeconfig " + kubeconfig + " missing and the stand-in does no TLS bootstrap: registering the Node with "
                    + "the bootstrap kubeconfig " + bootstrap + " instead");
            kubeconfig = Path.of(bootstrap);
            bootstrapOnly = true;
        }
        Path rootDir = Path.of(flags.get("root-dir").orElse("/var/lib/kubelet"));
        Containerd containerd = Containerd.fromEndpoint(flags.get("container-runtime-endpoint")
                .orElse("unix:///run/containerd/containerd.sock"));
        StaticPodSync pods = new StaticPodSync(config.staticPodPath() == null ? null : Path.of(config.staticPodPath()),
                containerd, new PodStatusFiles(rootDir.resolve("standin-pods"), Path.of("/var/log/pods")));
        if (config.staticPodPath() == null) {
            StandInLog.info("no staticPodPath: no static pods");
        }

        CountDownLatch stop = new CountDownLatch(1);
        for (String signal : List.of("TERM", "INT")) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stop.countDown());
        }
        ScheduledExecutorService loops = Executors.newScheduledThreadPool(4, r -> {
            Thread t = new Thread(r, "kubelet-standin");
            t.setDaemon(true);
            return t;
        });
        HealthzServer healthz = new HealthzServer(config.healthzBindAddress(), config.healthzPort());
        loops.execute(() -> healthz.startOrRetry(loops));
        loops.scheduleWithFixedDelay(() -> {
            try {
                pods.tick();
            } catch (RuntimeException e) {
                StandInLog.error("static pod sync failed: " + e);
            }
        }, 0, 1, TimeUnit.SECONDS);
        if (kubeconfig != null) {
            String nodeName = flags.get("hostname-override").orElseGet(KubeletStandIn::hostname).toLowerCase(Locale.ROOT);
            NodeRegistration registration = new NodeRegistration(new NodeRegistration.NodeSpec(nodeName,
                    NodeRegistration.labels(nodeName, flags.get("node-labels").orElse(null)),
                    flags.get("register-with-taints").map(t -> List.of(t.split(","))).orElse(List.of()),
                    flags.get("node-ip").orElse(null), version()), kubeconfig);
            if (flags.bool("register-node", true)) {
                repeat(loops, "node registration", registration::attempt, NodeRegistration.RETRY);
            }
            if (config.rotateCertificates() && !bootstrapOnly) {
                Path certDir = Path.of(flags.get("cert-dir").orElse(rootDir.resolve("pki").toString()));
                ClientCertificateRotation rotation = new ClientCertificateRotation(certDir, kubeconfig, nodeName);
                StandInLog.info("client certificate rotation on: " + rotation.currentPath());
                repeat(loops, "client certificate rotation", rotation::attempt, ClientCertificateRotation.CHECK);
            }
        } else {
            StandInLog.info("no --kubeconfig: standalone mode, no Node registered");
        }

        stop.await();
        StandInLog.info("signal received: shutting down");
        loops.shutdown();
        pods.close();
        healthz.close();
        loops.shutdownNow();
        StandInLog.info("stopped");
        return 0;
    }

    /** Runs {@code step} again after the delay it returns (or {@code onError} when it throws) until the loops stop. */
    private static void repeat(ScheduledExecutorService loops, String what, java.util.function.Supplier<Duration> step, Duration onError) {
        loops.execute(new Runnable() {
            @Override
            public void run() {
                Duration next;
                try {
                    next = step.get();
                } catch (RuntimeException e) {
                    StandInLog.error(what + " failed: " + e);
                    next = onError;
                }
                if (!loops.isShutdown()) {
                    loops.schedule(this, next.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    /** The entries of /proc/swaps (none: swap is off). */
    static List<String> swaps() throws IOException {
        Path p = Path.of("/proc/swaps");
        if (!Files.isReadable(p)) {
            return List.of();
        }
        return Files.readAllLines(p).stream().skip(1).map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                throw new IllegalStateException("cannot find the host name: " + e2.getMessage());
            }
        }
    }

    /** GET /healthz → 200 "ok"; when the port is taken, logs it and tries again every 5 s, as the kubelet does. */
    static final class HealthzServer {
        private final String address;
        private final int port;
        private volatile HttpServer server;

        HealthzServer(String address, int port) {
            this.address = address;
            this.port = port;
        }

        void startOrRetry(ScheduledExecutorService retry) {
            try {
                HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 16);
                s.createContext("/healthz", ex -> {
                    byte[] ok = "ok".getBytes(StandardCharsets.US_ASCII);
                    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                    ex.sendResponseHeaders(200, ok.length);
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(ok);
                    }
                });
                s.start();
                server = s;
                StandInLog.info("healthz serving on http://" + address + ":" + port + "/healthz");
            } catch (IOException e) {
                StandInLog.error("Failed to start healthz server on " + address + ":" + port + ": " + e.getMessage());
                if (!retry.isShutdown()) {
                    retry.schedule(() -> startOrRetry(retry), 5, TimeUnit.SECONDS);
                }
            }
        }

        void close() {
            if (server != null) {
                server.stop(0);
            }
        }
    }
}
