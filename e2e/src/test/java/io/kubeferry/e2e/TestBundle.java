package io.kubeferry.e2e;

import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.ProgressListener;
import io.kubeferry.builder.pack.BundleBuilder;
import io.kubeferry.builder.pack.BundlePacker;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryCredentials;
import io.kubeferry.builder.spec.BundleLayout;
import io.kubeferry.builder.spec.BundleSpec;
import io.kubeferry.builder.spec.SpecReader;
import io.kubeferry.builder.spec.Templates;
import io.kubeferry.builder.support.FileServer;
import io.kubeferry.builder.support.LocalRegistry;
import io.kubeferry.builder.support.Processes;
import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.testbed.standin.KubeletStandIn;
import io.kubeferry.testbed.standin.StandInImages;
import io.kubeferry.bundle.Sha256;
import io.kubeferry.testbed.Testbed;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test bundle the install tests install from: a real Kubernetes 1.32.9 bundle built by bundle-builder's Java API
 * from the default spec ({@code bundle-builder/specs/kubernetes-1.32.yaml}), with every upstream URL and registry
 * mirrored to a local file server and Debian's docker-registry on 127.0.0.1, and real parts wherever this machine has
 * them. {@link #sharedNext()} builds the same from {@code bundle-builder/specs/kubernetes-1.33.yaml} (Kubernetes
 * 1.33.5, the images of {@code images/kubernetes-1.33.txt}), the bundle an upgrade test upgrades to: its parts are
 * the same binaries, only the Kubernetes version, the kubelet stand-in's reported version and the images differ.
 * The parts:
 * <ul>
 *   <li>containerd, ctr, containerd-shim-runc-v2 (Debian 13's 1.7.24), etcd and etcdctl (Debian 13's 3.5.16) and
 *       kubectl (Debian 13's 1.32.3), unpacked by {@code scripts/fetch-debian-tools.sh}; runc and the CNI plugins from
 *       this machine's Debian 12 packages. Each is packed as its project publishes it (release archive or bare binary)
 *       with its checksum file next to it in the upstream form, and the spec's {@code versions:} are the versions the
 *       binaries themselves report;</li>
 *   <li>kubelet: the kubelet stand-in's launcher script (it runs this JVM's Java with this JVM's class path), reporting
 *       the bundle's Kubernetes version ({@code kubelet --version} and the Node's kubeletVersion:
 *       {@code v1.32.9-standin});</li>
 *   <li>crictl: a STAND-IN (no crictl exists here, and the spec requires one): a sh script saying so;</li>
 *   <li>images: every image of {@code images/kubernetes-1.32.txt}, pushed with skopeo under the mirror paths (one
 *       stand-in image per reference);</li>
 *   <li>the real installer jar ({@code installer/cli/target/installer.jar}) and templates. No Java runtime: jlink is
 *       slow and memory-hungry on the test machine, so {@code ./install} runs {@code java} from PATH or
 *       {@code KUBEFERRY_JAVA}.</li>
 * </ul>
 * {@link #shared()} builds once per JVM under {@code e2e/target/test-bundle/}, {@link #sharedNext()} under
 * {@code e2e/target/test-bundle-next/}: both can be used in the same JVM (each build runs its own local registry and
 * file server, stopped once its archive is made). {@link #main} builds one from the command line
 * ({@code scripts/test-bundle.sh}).
 *
 * @param archive       the bundle's tar.gz
 * @param dir           the bundle unpacked ({@code tar xzf}): the directory holding {@code install} and {@code bundle.yaml}
 * @param manifest      its bundle.yaml
 * @param realEtcdImage whether the etcd image holds the real etcd (StandInImages)
 * @param elapsed       how long the build took, parts and images included
 */
public record TestBundle(Path archive, Path dir, BundleManifest manifest, boolean realEtcdImage, Duration elapsed) {
    public static final String KUBERNETES_VERSION = "1.32.9";
    /** The version {@link #sharedNext()} carries: what an upgrade test upgrades {@link #KUBERNETES_VERSION} to. */
    public static final String NEXT_KUBERNETES_VERSION = "1.33.5";
    public static final String ARCH = "amd64";
    /** The Debian 13 parts; {@code KUBEFERRY_TOOLS} moves them, as in scripts/fetch-debian-tools.sh. */
    static final Path DEBIAN_13_TOOLS = Path.of(System.getenv().getOrDefault("KUBEFERRY_TOOLS", "/var/lib/kubeferry-tools/trixie"));
    static final Path CNI_PLUGINS = Path.of("/usr/lib/cni");
    static final Path RUNC = Path.of("/usr/sbin/runc");
    /** In a build directory: it may be emptied by the next build. */
    static final String MARKER = ".kubeferry-test-bundle";

    /**
     * Which Kubernetes a test bundle carries.
     *
     * @param kubernetesVersion the spec's kubernetesVersion
     * @param spec              the default spec the test spec extends, in the repository
     * @param imageList         the image list that spec names, in the repository
     * @param sharedDir         where the JVM's shared build goes, in the repository
     */
    public record Release(String kubernetesVersion, String spec, String imageList, String sharedDir) {
        public static final Release CURRENT = new Release(KUBERNETES_VERSION, "bundle-builder/specs/kubernetes-1.32.yaml",
                "images/kubernetes-1.32.txt", "e2e/target/test-bundle");
        public static final Release NEXT = new Release(NEXT_KUBERNETES_VERSION, "bundle-builder/specs/kubernetes-1.33.yaml",
                "images/kubernetes-1.33.txt", "e2e/target/test-bundle-next");

        /** "1.32" of 1.32.9. */
        public String minor() {
            return kubernetesVersion.substring(0, kubernetesVersion.lastIndexOf('.'));
        }

        /** What this bundle's kubelet stand-in reports: {@code kubelet --version} and the Node's kubeletVersion. */
        public String kubeletVersion() {
            return "v" + kubernetesVersion + "-standin";
        }

        static Release of(String kubernetesVersion) {
            return List.of(CURRENT, NEXT).stream().filter(r -> r.kubernetesVersion().equals(kubernetesVersion)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no test bundle of Kubernetes " + kubernetesVersion
                            + ": " + CURRENT.kubernetesVersion() + " or " + NEXT.kubernetesVersion()));
        }
    }

    private static final Map<Release, TestBundle> SHARED = new HashMap<>();

    /** The 1.32.9 bundle for this JVM: built on first use (about 20 s), then shared by every test. */
    public static TestBundle shared() throws IOException, InterruptedException {
        return shared(Release.CURRENT);
    }

    /** The 1.33.5 bundle for this JVM (an upgrade's target), built on first use, then shared; {@link #shared()} stays usable. */
    public static TestBundle sharedNext() throws IOException, InterruptedException {
        return shared(Release.NEXT);
    }

    private static synchronized TestBundle shared(Release release) throws IOException, InterruptedException {
        TestBundle b = SHARED.get(release);
        if (b == null) {
            Path dir = repoRoot().resolve(release.sharedDir());
            Processes.run(List.of("rm", "-rf", "--", dir.toString())); // this module's own build output
            b = build(release, dir, System.out);
            SHARED.put(release, b);
        }
        return b;
    }

    /**
     * {@code TestBundle OUT_DIR [KUBERNETES_VERSION]}: builds the test bundle (1.32.9, or 1.33.5) into OUT_DIR (emptied
     * first) and prints where it is.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: TestBundle OUT_DIR [KUBERNETES_VERSION]   (builds the Kubernetes " + KUBERNETES_VERSION
                    + " test bundle, or the " + NEXT_KUBERNETES_VERSION + " one, into OUT_DIR, which is emptied first)");
            System.exit(2);
        }
        TestBundle b;
        try {
            Release release = args.length == 2 ? Release.of(args[1]) : Release.CURRENT;
            b = build(release, Path.of(args[0]).toAbsolutePath(), System.out);
        } catch (IllegalArgumentException badOutDir) {
            System.err.println("error: " + badOutDir.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("archive:  " + b.archive());
        System.out.println("unpacked: " + b.dir());
    }

    /** Builds the 1.32.9 bundle in {@code work} (emptied first). */
    public static TestBundle build(Path work, PrintStream log) throws IOException, InterruptedException {
        return build(Release.CURRENT, work, log);
    }

    /**
     * Builds {@code release}'s bundle in {@code work} (emptied first): parts, servers, spec, build, unpack. The local
     * registry and file server are this build's own, stopped at its end: the bundle holds everything they served.
     */
    public static TestBundle build(Release release, Path work, PrintStream log) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path root = repoRoot();
        ensureDebianTools(root);
        emptyWorkDir(work);
        try (LocalRegistry registry = LocalRegistry.start(work.resolve("registry"), null, null);
             FileServer files = new FileServer()) {
            Path specFile = writeSpec(release, root, work.resolve("spec"), files.base(), registry.host());
            BundleSpec spec = new SpecReader().read(specFile);
            serveBinaries(spec, work.resolve("parts"), files);
            long partsDone = System.nanoTime();
            boolean realEtcd = pushImages(spec, root, work.resolve("images"), registry);
            long imagesDone = System.nanoTime();

            Downloader downloader = new Downloader(Downloader.defaultClient(), new ContentCache(work.resolve("cache")),
                    ProgressListener.NONE, 2, Duration.ofMillis(100));
            BundleBuilder builder = new BundleBuilder(downloader,
                    new RegistryClient(RegistryClient.defaultClient(), downloader, new RegistryCredentials(), h -> false),
                    new BundlePacker(BundlePacker.Options.defaults()), log);
            Path installerJar = installerJar(root);
            Path archive = work.resolve(BundleBuilder.bundleName(spec) + ".tar.gz");
            BundleManifest manifest = builder.build(spec, new BundleBuilder.Inputs(installerJar, root.resolve("templates"),
                    root.resolve("inventory.example.yaml"), null, 2), archive).manifest();
            long built = System.nanoTime();

            // the first step in the datacenter, as a user takes it (the builder has verified the archive already)
            Path unpacked = Files.createDirectories(work.resolve("unpacked"));
            Processes.run(List.of("tar", "xzf", archive.toString(), "-C", unpacked.toString()));
            Path dir = unpacked.resolve(manifest.name());
            long end = System.nanoTime();
            TestBundle b = new TestBundle(archive, dir, manifest, realEtcd, Duration.ofNanos(end - start));
            log.printf("test bundle %s: %.1f MB in %.1f s (parts %.1f s, images %.1f s, bundle-builder %.1f s, tar xzf %.1f s)%n",
                    archive.getFileName(), Files.size(archive) / 1e6, seconds(end - start), seconds(partsDone - start),
                    seconds(imagesDone - partsDone), seconds(built - imagesDone), seconds(end - built));
            return b;
        }
    }

    /**
     * Empties the build directory: only one this class made (it holds {@link #MARKER}) or an empty one, so that a
     * mistyped OUT_DIR never loses anything.
     */
    private static void emptyWorkDir(Path work) throws IOException, InterruptedException {
        if (Files.exists(work)) {
            boolean empty;
            try (var list = Files.list(work)) {
                empty = list.findAny().isEmpty();
            }
            if (!empty && !Files.isRegularFile(work.resolve(MARKER))) {
                throw new IllegalArgumentException(work + " is not empty and holds no earlier test bundle (no " + MARKER
                        + "): name a new or empty directory");
            }
            Processes.run(List.of("rm", "-rf", "--", work.toString()));
        }
        Files.createDirectories(work);
        Files.writeString(work.resolve(MARKER), "made by io.kubeferry.e2e.TestBundle: emptied on the next build\n");
    }

    /**
     * The spec: the release's default spec, with the versions of the parts packed here and everything mirrored locally.
     * The parts are the same for every release (this machine has one containerd, etcd...): their {@code versions:}
     * override the spec's.
     */
    static Path writeSpec(Release release, Path root, Path dir, String fileServer, String registry) throws IOException, InterruptedException {
        Path tools = DEBIAN_13_TOOLS.resolve("usr/bin");
        String spec = """
                # Written by io.kubeferry.e2e.TestBundle: the default spec with this machine's real parts and stand-ins.
                extends: %1$s
                versions:
                  containerd: %2$s
                  etcd: %3$s
                  kubectl: %4$s
                  runc: %5$s
                  cniPlugins: %6$s
                binaries:
                  # Debian 13's kubectl (1.32.3) is not the cluster's version: say which
                  - name: kubectl
                    url: https://dl.k8s.io/release/v${kubectl}/bin/linux/${arch}/kubectl
                    version: ${kubectl}
                    sha256Url: ${url}.sha256
                mirrors:
                  - {prefix: "https://dl.k8s.io/", replacement: "%7$s/dl.k8s.io/"}
                  - {prefix: "https://github.com/", replacement: "%7$s/github.com/"}
                  - {prefix: "registry.k8s.io/", replacement: "%8$s/registry.k8s.io/"}
                  - {prefix: "ghcr.io/", replacement: "%8$s/ghcr.io/"}
                  - {prefix: "docker.io/", replacement: "%8$s/docker.io/"}
                registries:
                  - {host: "%8$s", plainHttp: true}
                """.formatted(root.resolve(release.spec()),
                version(List.of(tools.resolve("containerd").toString(), "--version"), "containerd (\\d+\\.\\d+\\.\\d+)"),
                version(List.of(tools.resolve("etcd").toString(), "--version"), "etcd Version: (\\d+\\.\\d+\\.\\d+)"),
                version(List.of(tools.resolve("kubectl").toString(), "version", "--client"), "Client Version: v(\\d+\\.\\d+\\.\\d+)"),
                version(List.of(RUNC.toString(), "--version"), "runc version (\\d+\\.\\d+\\.\\d+)"),
                // the plugins do not know their version: their package does
                version(List.of("dpkg-query", "-W", "-f", "${Version}\\n", "containernetworking-plugins"), "^(\\d+\\.\\d+\\.\\d+)"),
                fileServer, registry);
        Path file = Files.createDirectories(dir).resolve("kubernetes-" + release.minor() + "-test.yaml");
        Files.writeString(file, spec);
        return file;
    }

    /** Serves every binary of the spec at its mirrored URL, with its checksum file at the mirrored sha256Url. */
    static void serveBinaries(BundleSpec spec, Path partsDir, FileServer files) throws IOException, InterruptedException {
        Files.createDirectories(partsDir);
        for (BundleSpec.BinarySpec b : spec.binaries()) {
            SpecReader.ExpandedBinary x = SpecReader.expand(spec.kubernetesVersion(), spec.versions(), b, ARCH);
            Path part = part(b.name(), x.vars().get("version"), BundleLayout.lastSegment(x.url()), partsDir);
            files.putFile(localPath(spec, x.url()), part);
            if (b.sha256Url() == null) {
                throw new IllegalStateException("binary '" + b.name() + "' of the spec has no sha256Url: TestBundle serves "
                        + "checksum files as upstream does; teach it this binary's checksum form");
            }
            String sha256Url = Templates.expand(b.sha256Url(), x.vars());
            String hex = Sha256.ofFile(part);
            // dl.k8s.io publishes a bare digest; GitHub projects a sha256sum line naming the file
            String checksum = x.url().startsWith("https://dl.k8s.io/") ? hex + "\n"
                    : hex + "  " + BundleLayout.lastSegment(x.url()) + "\n";
            files.put(localPath(spec, sha256Url), checksum.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The file standing for one upstream artifact, packed as upstream publishes it. */
    static Path part(String name, String version, String upstreamName, Path dir) throws IOException, InterruptedException {
        Path tools = DEBIAN_13_TOOLS.resolve("usr/bin");
        Path out = dir.resolve(upstreamName);
        switch (name) {
            case "kubelet" -> { // its version is the spec's kubernetesVersion: the stand-in reports it
                Path java = Path.of(System.getProperty("java.home"), "bin", "java");
                Files.writeString(out, kubeletLauncher(java, System.getProperty("java.class.path"), version));
                Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            case "kubectl" -> {
                return tools.resolve("kubectl"); // a bare binary, as dl.k8s.io publishes it
            }
            case "runc" -> {
                return RUNC; // runc.<arch>, a bare binary
            }
            case "containerd" -> // bin/containerd, bin/ctr, bin/containerd-shim-runc-v2
                    tarGz(out, dir.resolve("containerd-tree"), Map.of("bin/containerd", tools.resolve("containerd"),
                            "bin/ctr", tools.resolve("ctr"), "bin/containerd-shim-runc-v2", tools.resolve("containerd-shim-runc-v2")));
            case "etcd" -> { // etcd-v3.5.16-linux-amd64/etcd and etcdctl
                String top = "etcd-v" + version + "-linux-" + ARCH + "/";
                tarGz(out, dir.resolve("etcd-tree"), Map.of(top + "etcd", tools.resolve("etcd"), top + "etcdctl", tools.resolve("etcdctl")));
            }
            case "cni-plugins" -> { // ./bridge, ./host-local, ... at the top
                Processes.run(List.of("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
                        "--mtime=2026-01-01 00:00:00", "-I", "gzip -1 -n", "-cf", out.toString(), "-C", CNI_PLUGINS.toString(), "."));
            }
            case "crictl" -> { // ./crictl: no crictl exists on this machine
                Path tree = Files.createDirectories(dir.resolve("crictl-tree"));
                Path script = tree.resolve("crictl");
                Files.writeString(script, CRICTL_STAND_IN);
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
                tarGz(out, tree, Map.of());
            }
            default -> throw new IllegalStateException("the spec names a binary '" + name + "' that TestBundle has no "
                    + "part for: add one to TestBundle.part (a real one when this machine has it, else a named stand-in)");
        }
        return out;
    }

    /**
     * crictl STAND-IN (no crictl exists on this machine): the calls the installer makes to restart a static pod after
     * its certificates changed or its manifest was rewritten and wait for it
     * ({@code ps -q [-a] [--state S] [--name RE] [--image REF]}, {@code stop ID...}), and the diagnosis's
     * ({@code ps -a --state exited -o json}, {@code logs --tail N ID}: the container's log file), answered from the kubelet
     * STAND-IN's pod status files; a stop is a request file the kubelet stand-in honours, returning once the container
     * is down. {@code --image} keeps the containers whose image is REF as written (real crictl resolves REF to an
     * image and compares ids, so another tag of the same image would match there too; the stand-in images of a
     * bundle all differ). Every other call fails, saying it is a stand-in. {@code KUBEFERRY_CRICTL_STANDIN_PODS}
     * moves the status files' directory (for its own tests).
     */
    static final String CRICTL_STAND_IN = """
            #!/bin/sh
            # crictl STAND-IN (Kubeferry test bundle): there is no crictl on the test machine.
            pods=${KUBEFERRY_CRICTL_STANDIN_PODS:-/var/lib/kubelet/standin-pods}
            unsupported() { echo "crictl stand-in (kubeferry test bundle): not the real crictl; unsupported: $*" >&2; exit 1; }
            val() { sed -n "s/^$1=//p" "$2"; }
            case "$1" in
            ps)
                shift; all=0; state=""; name=""; image=""; quiet=0; json=0
                while [ $# -gt 0 ]; do
                    case "$1" in
                    -q|--quiet) quiet=1 ;;
                    -o) shift; [ "$1" = json ] || unsupported "ps -o $1"; json=1 ;;
                    -a|--all) all=1 ;;
                    --state) shift; state=$1 ;;
                    --name) shift; name=$1 ;;
                    --image) shift; image=$1 ;;
                    *) unsupported ps "$@" ;;
                    esac
                    shift
                done
                [ "$quiet" = 1 ] || [ "$json" = 1 ] || unsupported "ps without -q or -o json"
                [ "$json" = 0 ] || printf '{"containers": ['
                sep=""
                for f in "$pods"/*.status; do
                    [ -f "$f" ] || continue
                    s=$(val state "$f"); c=$(val container "$f"); i=$(val image "$f"); id=$(basename "$f" .status)
                    case "$state" in
                    running|RUNNING) [ "$s" = Running ] || continue ;;
                    # CRI's exited: a container that ran and stopped (Waiting and ErrImagePull are CRI's created)
                    exited|EXITED) case "$s" in Exited|Error|CrashLoopBackOff) ;; *) continue ;; esac ;;
                    "") [ "$s" != Removed ] || continue; [ "$all" = 1 ] || [ "$s" = Running ] || continue ;;
                    *) unsupported "ps --state $state" ;;
                    esac
                    [ -z "$name" ] || printf '%s\n' "$c" | grep -Eq -- "$name" || continue
                    [ -z "$image" ] || [ "$i" = "$image" ] || continue
                    if [ "$json" = 1 ]; then
                        [ "$s" = Running ] && cs=CONTAINER_RUNNING || cs=CONTAINER_EXITED
                        printf '%s\n  {"id": "%s", "metadata": {"name": "%s"}, "image": {"image": "%s"}, "state": "%s"}' \
                            "$sep" "$id" "$c" "$i" "$cs"
                        sep=","
                    else
                        echo "$id"
                    fi
                done
                [ "$json" = 0 ] || printf '\n]}\n'
                ;;
            logs)
                shift; tail=""
                while [ $# -gt 1 ]; do
                    case "$1" in
                    --tail) shift; tail=$1 ;;
                    *) unsupported logs "$@" ;;
                    esac
                    shift
                done
                [ $# -eq 1 ] && [ -f "$pods/$1.status" ] || { echo "crictl stand-in: no container $*" >&2; exit 1; }
                log=$(val log "$pods/$1.status")
                [ -f "$log" ] || exit 0
                if [ -n "$tail" ]; then tail -n "$tail" "$log"; else cat "$log"; fi
                ;;
            stop)
                shift; [ $# -gt 0 ] || unsupported "stop without an id"
                for id in "$@"; do
                    [ -f "$pods/$id.status" ] || { echo "crictl stand-in: no container $id" >&2; exit 1; }
                    : > "$pods/$id.stop"
                done
                for id in "$@"; do
                    i=0
                    while [ -e "$pods/$id.stop" ]; do
                        i=$((i+1)); [ $i -le 300 ] || { echo "crictl stand-in: $id did not stop within 30 s" >&2; exit 1; }
                        sleep 0.1
                    done
                    echo "$id"
                done
                ;;
            *) unsupported "$@" ;;
            esac
            """;

    /**
     * A gzip'd tar of {@code tree}, with {@code links} (archive path to file) added to it as symlinks that tar
     * follows ({@code --dereference}): the big binaries are streamed, never copied.
     */
    private static void tarGz(Path out, Path tree, Map<String, Path> links) throws IOException, InterruptedException {
        for (Map.Entry<String, Path> l : links.entrySet()) {
            Path link = tree.resolve(l.getKey());
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, l.getValue());
        }
        List<String> top = new ArrayList<>();
        try (var list = Files.list(tree)) {
            list.map(p -> p.getFileName().toString()).sorted().forEach(top::add);
        }
        List<String> cmd = new ArrayList<>(List.of("tar", "--dereference", "--sort=name", "--owner=0", "--group=0",
                "--numeric-owner", "--mtime=2026-01-01 00:00:00", "-I", "gzip -1 -n", "-cf", out.toString(), "-C", tree.toString()));
        cmd.addAll(top);
        Processes.run(cmd);
    }

    /**
     * Pushes every image of the spec to the local registry under its mirrored name.
     *
     * @return whether the etcd image is the real etcd
     */
    static boolean pushImages(BundleSpec spec, Path root, Path dir, LocalRegistry registry) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        // STAND-IN images (testbed's StandInImages), one per reference: etcd holds the real etcd 3.5.16 and etcdctl
        // with their libraries (in the 1.33 bundle, registry.k8s.io/etcd:3.5.21-0 is a STAND-IN for etcd 3.5.21: it
        // holds the same 3.5.16, the only etcd this machine has), the other names are busybox images (the kubelet
        // stand-in only checks that they are present; it runs kube-apiserver in process, reporting the image's tag)
        String prefix = registry.host() + "/";
        for (BundleSpec.ImageSpec image : spec.images()) {
            String mirrored = spec.mirrored(image.reference());
            if (!mirrored.startsWith(prefix)) {
                throw new IllegalStateException("image " + image.reference() + " is not mirrored to the local registry ("
                        + mirrored + "): add its registry to the mirrors in TestBundle.writeSpec");
            }
            Path tar = StandInImages.writeImageFor(dir.resolve(image.reference().replaceAll("[^A-Za-z0-9.-]", "_") + ".tar"),
                    image.reference());
            registry.pushArchive(tar, mirrored.substring(prefix.length()));
        }
        return true;
    }

    /**
     * The kubelet: the STAND-IN's launcher (testbed's KubeletStandIn), running with this JVM's Java and class path and
     * reporting {@code v<kubernetesVersion>-standin} (v1.32.9-standin) as its version.
     */
    static String kubeletLauncher(Path java, String classPath, String kubernetesVersion) {
        return KubeletStandIn.launcherScript(java, classPath, "v" + kubernetesVersion + "-standin");
    }

    /** The path on the local servers where a mirrored upstream URL points. */
    private static String localPath(BundleSpec spec, String upstreamUrl) {
        return URI.create(spec.mirrored(upstreamUrl)).getPath();
    }

    /** The first group of {@code pattern} in the command's output: the version a tool reports of itself. */
    private static String version(List<String> cmd, String pattern) throws IOException, InterruptedException {
        String out = Processes.run(cmd);
        Matcher m = Pattern.compile(pattern, Pattern.MULTILINE).matcher(out);
        if (!m.find()) {
            throw new IllegalStateException(String.join(" ", cmd) + " printed no version matching /" + pattern + "/: " + out);
        }
        return m.group(1);
    }

    /** Runs scripts/fetch-debian-tools.sh when the Debian 13 parts are missing (it needs Debian's archive). */
    private static void ensureDebianTools(Path root) throws IOException, InterruptedException {
        for (String tool : List.of("containerd", "ctr", "containerd-shim-runc-v2", "etcd", "etcdctl", "kubectl")) {
            if (!Files.isExecutable(DEBIAN_13_TOOLS.resolve("usr/bin").resolve(tool))) {
                Processes.run(List.of("bash", root.resolve("scripts/fetch-debian-tools.sh").toString()));
                return;
            }
        }
    }

    /** The real shaded installer jar: the reactor packages installer/cli before this module. */
    static Path installerJar(Path root) {
        Path jar = root.resolve("installer/cli/target/installer.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn -pl e2e -am verify, or make build)");
        }
        return jar;
    }

    /** The repository: where testbed/testbed.sh is (-Dkubeferry.repo.root, else found upwards from the cwd). */
    static Path repoRoot() {
        return Testbed.script().getParent().getParent();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
