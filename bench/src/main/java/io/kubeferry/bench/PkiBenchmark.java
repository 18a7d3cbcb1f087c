package io.kubeferry.bench;

import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Networking;
import io.kubeferry.inventory.Role;
import io.kubeferry.pki.CertSpec;
import io.kubeferry.pki.ExtKeyUsage;
import io.kubeferry.pki.KubeconfigSpec;
import io.kubeferry.pki.PkiPlan;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Full PKI + kubeconfigs for 3 control-plane + 100 worker nodes: Kubeferry's {@link PkiService} against the
 * same set made by a shell script calling the openssl CLI once per key and once per certificate (as install
 * scripts do), in the same run, for ECDSA-P256 and RSA-2048. Prints both times and the ratio.
 *
 * <p>Run: {@code java -cp <bench jar + deps> io.kubeferry.bench.PkiBenchmark [controlPlanes workers]}
 */
public final class PkiBenchmark {
    private static final Map<KeyAlgorithm, Double> TARGET = Map.of(KeyAlgorithm.ECDSA_P256, 5.0, KeyAlgorithm.RSA_2048, 1.5);

    private PkiBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--once")) {
            once(Path.of(args[1]), KeyAlgorithm.valueOf(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            return;
        }
        if (args.length > 0 && args[0].equals("--make-jar")) {
            unsignedJar(System.getProperty("java.class.path"), Path.of(args[1]));
            return;
        }
        int controlPlanes = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        List<KeyAlgorithm> algorithms = List.of(KeyAlgorithm.ECDSA_P256, KeyAlgorithm.RSA_2048);
        System.out.printf("PKI benchmark: %d control-plane + %d worker nodes, %d cores, %s; load average %s%n",
                controlPlanes, workers, Runtime.getRuntime().availableProcessors(), run("openssl", "version").strip(),
                Files.readString(Path.of("/proc/loadavg")).strip());
        System.out.println("  openssl = a bash script, one openssl process per key and per certificate (median of 3; RSA: 1 run)");
        System.out.println("  cold    = a fresh JVM making the PKI once, as `installer certs generate` does, from one unsigned jar like"
                + " the shaded installer.jar; 'process' includes JVM start (median of 3; RSA: 1 run)");
        System.out.println("  warm    = this JVM after 3 (RSA: 1) warm-up runs, median of 5 (RSA: 3)");
        Path work = Files.createTempDirectory("kubeferry-pki-bench");
        try {
            // processes first, while this JVM is idle: its own JIT work would steal one of the two cores
            Path shadedLike = work.resolve("all.jar");
            run(javaCommand(System.getProperty("java.class.path"), "--make-jar", shadedLike.toString()));
            Map<KeyAlgorithm, double[]> cold = new java.util.EnumMap<>(KeyAlgorithm.class);
            Map<KeyAlgorithm, Double> openssl = new java.util.EnumMap<>(KeyAlgorithm.class);
            Map<KeyAlgorithm, long[]> opensslCounts = new java.util.EnumMap<>(KeyAlgorithm.class);
            for (KeyAlgorithm algorithm : algorithms) {
                int repeats = algorithm.isRsa() ? 1 : 3;
                List<double[]> colds = new ArrayList<>();
                for (int i = 0; i < repeats; i++) {
                    Path dir = work.resolve("cold-" + algorithm + i);
                    long p0 = System.nanoTime();
                    String out = run(javaCommand(shadedLike.toString(), "--once", dir.toString(), algorithm.name(),
                            Integer.toString(controlPlanes), Integer.toString(workers)));
                    colds.add(new double[]{Double.parseDouble(out.strip()), (System.nanoTime() - p0) / 1e9});
                    deleteTree(dir);
                }
                colds.sort(java.util.Comparator.comparingDouble(c -> c[1]));
                cold.put(algorithm, colds.get(colds.size() / 2));

                Path script = work.resolve("openssl-" + algorithm + ".sh");
                Path out = work.resolve("openssl-" + algorithm);
                PkiPlan plan = PkiPlan.of(inventory(work.resolve("plan"), controlPlanes, workers, algorithm));
                int processes = writeOpensslScript(script, out, plan, algorithm);
                List<Double> runs = new ArrayList<>();
                for (int i = 0; i < repeats; i++) {
                    deleteTree(out);
                    long t1 = System.nanoTime();
                    run("bash", script.toString());
                    runs.add((System.nanoTime() - t1) / 1e9);
                }
                runs.sort(null);
                openssl.put(algorithm, runs.get(runs.size() / 2));
                // the script must have made valid certificates, or its timing means nothing
                run("openssl", "verify", "-CAfile", out.resolve("ca.crt").toString(),
                        out.resolve("hosts/cp1/apiserver.crt").toString());
                opensslCounts.put(algorithm, new long[]{processes, countFiles(out)});
                deleteTree(out);
            }

            boolean allMet = true;
            for (KeyAlgorithm algorithm : algorithms) {
                int warmups = algorithm.isRsa() ? 1 : 3;
                int measured = algorithm.isRsa() ? 3 : 5;
                for (int i = 0; i < warmups; i++) {
                    Path dir = work.resolve("warmup" + i);
                    new PkiService().generate(inventory(dir, controlPlanes, workers, algorithm));
                    deleteTree(dir);
                }
                List<Double> runs = new ArrayList<>();
                PkiReport report = null;
                long javaFiles = 0;
                for (int i = 0; i < measured; i++) {
                    Path dir = work.resolve("warm" + i);
                    Inventory inv = inventory(dir, controlPlanes, workers, algorithm);
                    long t0 = System.nanoTime();
                    report = new PkiService().generate(inv);
                    runs.add((System.nanoTime() - t0) / 1e9);
                    run("openssl", "verify", "-CAfile", inv.stateDir().resolve("pki/ca.crt").toString(),
                            inv.stateDir().resolve("pki/hosts/cp1/apiserver.crt").toString());
                    javaFiles = countFiles(inv.stateDir().resolve("pki"));
                    deleteTree(dir);
                }
                runs.sort(null);
                double warm = runs.get(runs.size() / 2);
                double o = openssl.get(algorithm);
                double[] c = cold.get(algorithm);
                double target = TARGET.get(algorithm);
                System.out.printf("%-10s openssl CLI %6.2f s (%d processes, %d files)%n", algorithm.yamlName(), o,
                        opensslCounts.get(algorithm)[0], opensslCounts.get(algorithm)[1]);
                System.out.printf("%-10s kubeferry  cold process %6.2f s -> %5.1fx | cold generate %6.2f s -> %5.1fx"
                                + " | warm %6.2f s -> %5.1fx   (%d files, %d certificates/kubeconfigs)%n",
                        "", c[1], o / c[1], c[0], o / c[0], warm, o / warm, javaFiles, report.entries().size());
                System.out.printf("%-10s target >= %.1fx: cold process %s, warm %s%n", "", target,
                        o / c[1] >= target ? "met" : "NOT MET", o / warm >= target ? "met" : "NOT MET");
                allMet &= o / c[1] >= target && o / warm >= target;
            }
            System.out.println(allMet ? "all targets met" : "some targets NOT met");
        } finally {
            deleteTree(work);
        }
    }

    /**
     * Merges the classpath into one jar without jar signatures, as the shaded installer.jar ships (Bouncy
     * Castle's signed jars would otherwise cost the cold JVM a signature check the real CLI never pays).
     */
    static void unsignedJar(String classPath, Path target) throws IOException {
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(target))) {
            for (String entry : classPath.split(java.io.File.pathSeparator)) {
                Path p = Path.of(entry);
                if (Files.isDirectory(p)) {
                    try (Stream<Path> files = Files.walk(p)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            String name = p.relativize(f).toString().replace('\\', '/');
                            if (seen.add(name)) {
                                out.putNextEntry(new java.util.jar.JarEntry(name));
                                Files.copy(f, out);
                                out.closeEntry();
                            }
                        }
                    }
                } else if (Files.isRegularFile(p)) {
                    try (var in = new java.util.zip.ZipFile(p.toFile())) {
                        for (var e : java.util.Collections.list(in.entries())) {
                            String name = e.getName();
                            if (e.isDirectory() || name.startsWith("META-INF/") && (name.endsWith(".SF")
                                    || name.endsWith(".RSA") || name.endsWith(".DSA") || name.endsWith(".EC")
                                    || name.equals("META-INF/MANIFEST.MF")) || !seen.add(name)) {
                                continue;
                            }
                            out.putNextEntry(new java.util.jar.JarEntry(name));
                            try (var is = in.getInputStream(e)) {
                                is.transferTo(out);
                            }
                            out.closeEntry();
                        }
                    }
                }
            }
        }
    }

    /** The child JVM of the cold measurement: one generate, prints its seconds. */
    private static void once(Path dir, KeyAlgorithm algorithm, int controlPlanes, int workers) {
        Inventory inv = inventory(dir, controlPlanes, workers, algorithm);
        long t0 = System.nanoTime();
        new PkiService().generate(inv);
        System.out.println((System.nanoTime() - t0) / 1e9);
    }

    private static String[] javaCommand(String classPath, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                classPath, PkiBenchmark.class.getName()));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    static Inventory inventory(Path dir, int controlPlanes, int workers, KeyAlgorithm algorithm) {
        List<Host> hosts = new ArrayList<>();
        for (int i = 1; i <= controlPlanes; i++) {
            String a = "10.250.0." + (10 + i);
            hosts.add(new Host("cp" + i, a, a, null, Set.of(Role.CONTROL_PLANE), Map.of(), List.of()));
        }
        for (int i = 1; i <= workers; i++) {
            String a = "10.250.1." + i;
            hosts.add(new Host("w" + i, a, a, null, Set.of(Role.WORKER), Map.of(), List.of()));
        }
        Networking net = new Networking(Cidr.parse("10.244.0.0/16").orElseThrow(), Cidr.parse("10.96.0.0/12").orElseThrow(),
                "cluster.local", Networking.Cni.FLANNEL);
        ClusterSpec cluster = new ClusterSpec("kubernetes", KubernetesVersion.parse("1.34.1").orElseThrow(),
                new ControlPlaneEndpoint("lb.example.internal", 6443, ControlPlaneEndpoint.Mode.EXTERNAL), net,
                new CertificateOptions(algorithm, CertificateOptions.DEFAULT_CA_VALIDITY,
                        CertificateOptions.DEFAULT_CERT_VALIDITY, List.of()), Map.of(), ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
        return new Inventory(dir.resolve("inventory.yaml"), cluster, hosts);
    }

    /** The same set as a script would make it: genpkey per key, req -x509 per certificate; returns the process count. */
    static int writeOpensslScript(Path script, Path out, PkiPlan plan, KeyAlgorithm algorithm) throws IOException {
        String genkey = algorithm == KeyAlgorithm.RSA_2048
                ? "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out"
                : "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out";
        StringBuilder s = new StringBuilder("set -e\numask 077\nmkdir -p '" + out + "'\ncd '" + out + "'\n");
        // one mkdir for every directory up front, so the timing is openssl's
        java.util.TreeSet<String> dirs = new java.util.TreeSet<>(List.of("etcd"));
        plan.certs().forEach(c -> dirs.add((c.host() == null ? "" : "hosts/" + c.host() + "/") + "etcd"));
        plan.kubeconfigs().forEach(k -> { if (k.host() != null) dirs.add("hosts/" + k.host()); });
        s.append("mkdir -p ").append(String.join(" ", dirs)).append('\n');
        int[] processes = {1};
        for (String[] ca : new String[][]{{"ca", "kubernetes"}, {"front-proxy-ca", "front-proxy-ca"}, {"etcd/ca", "etcd-ca"}}) {
            s.append(genkey).append(' ').append(ca[0]).append(".key\n");
            s.append("openssl req -x509 -new -key ").append(ca[0]).append(".key -out ").append(ca[0])
                    .append(".crt -days 3650 -subj '/CN=").append(ca[1])
                    .append("' -addext basicConstraints=critical,CA:TRUE")
                    .append(" -addext keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign")
                    .append(" -addext subjectAltName=DNS:").append(ca[1]).append('\n');
            processes[0] += 2;
        }
        s.append(genkey).append(" sa.key\nopenssl pkey -in sa.key -pubout -out sa.pub\n");
        processes[0] += 2;
        for (CertSpec c : plan.certs()) {
            String base = (c.host() == null ? "" : "hosts/" + c.host() + "/") + c.baseName();
            leaf(s, genkey, base, c, processes);
        }
        for (KubeconfigSpec k : plan.kubeconfigs()) {
            String base = (k.host() == null ? "" : "hosts/" + k.host() + "/") + k.fileName();
            leaf(s, genkey, base + ".client", k.clientCert(), processes);
            String user = k.userName();
            String ctx = user + "@" + k.clusterName();
            s.append("cat > ").append(base).append(" <<EOF\napiVersion: v1\nclusters:\n- cluster:\n")
                    .append("    certificate-authority-data: $(base64 -w0 ca.crt)\n    server: ").append(k.server())
                    .append("\n  name: ").append(k.clusterName()).append("\ncontexts:\n- context:\n    cluster: ")
                    .append(k.clusterName()).append("\n    user: ").append(user).append("\n  name: ").append(ctx)
                    .append("\ncurrent-context: ").append(ctx).append("\nkind: Config\npreferences: {}\nusers:\n- name: ")
                    .append(user).append("\n  user:\n    client-certificate-data: $(base64 -w0 ").append(base)
                    .append(".client.crt)\n    client-key-data: $(base64 -w0 ").append(base).append(".client.key)\nEOF\n");
            processes[0] += 3; // base64 x3
        }
        Files.writeString(script, s.toString());
        return processes[0];
    }

    private static void leaf(StringBuilder s, String genkey, String base, CertSpec c, int[] processes) {
        String ca = switch (c.signer()) {
            case KUBERNETES -> "ca";
            case FRONT_PROXY -> "front-proxy-ca";
            case ETCD -> "etcd/ca";
        };
        StringBuilder subj = new StringBuilder();
        c.organizations().forEach(o -> subj.append("/O=").append(o));
        subj.append("/CN=").append(c.commonName());
        List<String> eku = new ArrayList<>();
        if (c.extKeyUsages().contains(ExtKeyUsage.SERVER_AUTH)) {
            eku.add("serverAuth");
        }
        if (c.extKeyUsages().contains(ExtKeyUsage.CLIENT_AUTH)) {
            eku.add("clientAuth");
        }
        List<String> sans = new ArrayList<>();
        c.dnsNames().forEach(d -> sans.add("DNS:" + d));
        c.ipAddresses().forEach(i -> sans.add("IP:" + i));
        s.append(genkey).append(' ').append(base).append(".key\n");
        s.append("openssl req -new -x509 -key ").append(base).append(".key -CA ").append(ca).append(".crt -CAkey ")
                .append(ca).append(".key -days 365 -out ").append(base).append(".crt -subj '").append(subj)
                .append("' -addext basicConstraints=critical,CA:FALSE -addext keyUsage=critical,digitalSignature,keyEncipherment")
                .append(" -addext extendedKeyUsage=").append(String.join(",", eku));
        if (!sans.isEmpty()) {
            s.append(" -addext subjectAltName=").append(String.join(",", sans));
        }
        s.append('\n');
        processes[0] += 2; // genpkey, req
    }

    private static long countFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
