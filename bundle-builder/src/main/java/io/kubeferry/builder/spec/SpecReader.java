package io.kubeferry.builder.spec;

import io.kubeferry.builder.registry.ImageReference;
import io.kubeferry.bundle.Sha256;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.Secret;
import io.kubeferry.yaml.YamlCursor;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a bundle spec YAML into a {@link BundleSpec}. Every problem in the file (and the files it extends or
 * lists) is reported at once in a {@link BadInputException}, each located as {@code file:line:column (yaml.path)}.
 *
 * <pre>
 * extends: ../bundle-builder/specs/kubernetes-1.34.yaml   # optional: start from another spec
 * kubernetesVersion: 1.34.1
 * architectures: [amd64]
 * versions: {containerd: 2.1.4}
 * binaries:
 *   - name: kubelet
 *     url: https://dl.k8s.io/release/v${kubernetesVersion}/bin/linux/${arch}/kubelet
 *     sha256Url: ${url}.sha256          # or sha256: {amd64: ..., arm64: ...}
 * imageLists: [../../images/kubernetes-1.34.txt]
 * images: [docker.io/library/haproxy:3.2-alpine]
 * mirrors: [{prefix: registry.k8s.io/, replacement: harbor.example.com/k8s/}]
 * registries: [{host: harbor.example.com, username: robot, passwordEnv: HARBOR_PASSWORD}]
 * files: [{path: extra/ca.crt, source: ./ca.crt}]
 * runtime: {jdk: {arm64: {url: https://.../jdk-17-aarch64.tar.gz, sha256: ...}}}   # jmods for another arch
 * </pre>
 */
public final class SpecReader {
    public static final Set<String> ARCHITECTURES = Set.of("amd64", "arm64");
    private static final Pattern K8S_VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?");
    private static final Set<String> TOP = Set.of("extends", "kubernetesVersion", "architectures", "versions", "binaries",
            "imageLists", "images", "mirrors", "registries", "files", "runtime");

    private final Function<String, String> env;

    public SpecReader() {
        this(System::getenv);
    }

    /** @param env environment lookup, for passwordEnv (tests pass their own) */
    public SpecReader(Function<String, String> env) {
        this.env = env;
    }

    public BundleSpec read(Path file) {
        List<Problem> problems = new ArrayList<>();
        Draft d = new Draft();
        readInto(file.toAbsolutePath().normalize(), d, problems, 0);
        if (d.kubernetesVersion == null) {
            problems.add(Problem.error(file.toString(), "kubernetesVersion is missing; add e.g. 'kubernetesVersion: 1.34.1'"));
        }
        if (d.architectures.isEmpty()) {
            problems.add(Problem.error(file.toString(), "architectures is missing; add e.g. 'architectures: [amd64]'"));
        }
        List<BundleSpec.BinarySpec> binaries = new ArrayList<>(d.binaries.values());
        if (d.kubernetesVersion != null) {
            checkTemplates(d, binaries, problems);
        }
        checkPathsAreDistinct(d, binaries, problems);
        if (problems.stream().anyMatch(p -> p.severity() == Problem.Severity.ERROR)) {
            throw new BadInputException(problems);
        }
        List<BundleSpec.ImageSpec> images = new ArrayList<>(d.images.values());
        return new BundleSpec(d.kubernetesVersion, d.architectures, d.versions, binaries, images, d.mirrors,
                d.registries, d.files, d.jdks);
    }

    /** Mutable accumulation while files extend each other; turned into the record at the end. */
    private static final class Draft {
        String kubernetesVersion;
        List<String> architectures = new ArrayList<>();
        Map<String, String> versions = new TreeMap<>();
        Map<String, BundleSpec.BinarySpec> binaries = new LinkedHashMap<>();
        Map<String, BundleSpec.ImageSpec> images = new LinkedHashMap<>();
        List<BundleSpec.Mirror> mirrors = new ArrayList<>();
        List<BundleSpec.RegistrySettings> registries = new ArrayList<>();
        List<BundleSpec.ExtraFile> files = new ArrayList<>();
        Map<String, BundleSpec.JdkArchive> jdks = new TreeMap<>();
    }

    private void readInto(Path file, Draft d, List<Problem> problems, int depth) {
        if (depth > 8) {
            problems.add(Problem.error(file.toString(), "'extends' chain is deeper than 8 files (a loop?)"));
            return;
        }
        Node root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new LoaderOptions()).compose(r);
        } catch (MarkedYAMLException e) {
            problems.add(Problem.error(file + ":" + (e.getProblemMark().getLine() + 1) + ":"
                    + (e.getProblemMark().getColumn() + 1), "not valid YAML: " + e.getProblem()));
            return;
        } catch (IOException e) {
            problems.add(Problem.error(file.toString(), "cannot read the bundle spec: " + e.getMessage()));
            return;
        }
        if (root == null) {
            problems.add(Problem.error(file.toString(), "the bundle spec is empty"));
            return;
        }
        Path dir = file.getParent();
        Map<String, YamlCursor> f = new YamlCursor(file.toString(), root, "", problems).fields(TOP);
        if (f.containsKey("extends")) {
            String parent = f.get("extends").text();
            if (parent != null) {
                Path p = dir.resolve(parent).normalize();
                if (!Files.isRegularFile(p)) {
                    f.get("extends").error("file " + p + " does not exist");
                } else {
                    readInto(p, d, problems, depth + 1);
                }
            }
        }
        if (f.containsKey("kubernetesVersion")) {
            String v = f.get("kubernetesVersion").text();
            if (v != null && v.startsWith("v")) {
                v = v.substring(1);
            }
            if (v != null && !K8S_VERSION.matcher(v).matches()) {
                f.get("kubernetesVersion").error("'" + v + "' is not a Kubernetes version like 1.34.1");
            } else if (v != null) {
                d.kubernetesVersion = v;
            }
        }
        if (f.containsKey("architectures")) {
            List<String> arches = f.get("architectures").texts();
            for (String a : arches) {
                if (!ARCHITECTURES.contains(a)) {
                    f.get("architectures").error("unsupported architecture '" + a + "' (use amd64 or arm64)");
                }
            }
            d.architectures = arches.stream().distinct().sorted().toList();
        }
        if (f.containsKey("versions")) {
            f.get("versions").entries().forEach((k, n) -> {
                String v = n.text();
                if (v != null) {
                    d.versions.put(k, v);
                }
            });
        }
        if (f.containsKey("binaries")) {
            for (YamlCursor b : f.get("binaries").items()) {
                BundleSpec.BinarySpec bin = binary(b);
                if (bin != null) {
                    d.binaries.put(bin.name(), bin); // a later file replaces a binary of the same name
                }
            }
        }
        if (f.containsKey("imageLists")) {
            for (YamlCursor n : f.get("imageLists").items()) {
                String rel = n.text();
                if (rel != null) {
                    readImageList(dir.resolve(rel).normalize(), n, d, problems);
                }
            }
        }
        if (f.containsKey("images")) {
            for (YamlCursor n : f.get("images").items()) {
                addImage(n.text(), n.where(), n::error, d);
            }
        }
        if (f.containsKey("mirrors")) {
            for (YamlCursor n : f.get("mirrors").items()) {
                Map<String, YamlCursor> m = n.fields(Set.of("prefix", "replacement"));
                String prefix = required(n, m, "prefix");
                String replacement = required(n, m, "replacement");
                if (prefix != null && replacement != null) {
                    d.mirrors.add(new BundleSpec.Mirror(prefix, replacement));
                }
            }
        }
        if (f.containsKey("registries")) {
            for (YamlCursor n : f.get("registries").items()) {
                registry(n, d);
            }
        }
        if (f.containsKey("files")) {
            for (YamlCursor n : f.get("files").items()) {
                extraFile(n, dir, d);
            }
        }
        if (f.containsKey("runtime")) {
            Map<String, YamlCursor> rt = f.get("runtime").fields(Set.of("jdk"));
            if (rt.containsKey("jdk")) {
                rt.get("jdk").fields(ARCHITECTURES).forEach((arch, n) -> {
                    Map<String, YamlCursor> j = n.fields(Set.of("url", "sha256"));
                    String url = required(n, j, "url");
                    String sha = required(n, j, "sha256");
                    if (sha != null && !Sha256.isHex(sha.toLowerCase())) {
                        j.get("sha256").error("expected 64 hex digits");
                    } else if (url != null && sha != null) {
                        d.jdks.put(arch, new BundleSpec.JdkArchive(url, sha.toLowerCase(), n.where()));
                    }
                });
            }
        }
    }

    private BundleSpec.BinarySpec binary(YamlCursor b) {
        Map<String, YamlCursor> m = b.fields(Set.of("name", "url", "version", "sha256", "sha256Url", "file"));
        String name = required(b, m, "name");
        String url = required(b, m, "url");
        Map<String, String> pins = new TreeMap<>();
        if (m.containsKey("sha256")) {
            m.get("sha256").fields(ARCHITECTURES).forEach((arch, n) -> {
                String hex = n.text();
                if (hex != null && !Sha256.isHex(hex.toLowerCase())) {
                    n.error("expected 64 hex digits");
                } else if (hex != null) {
                    pins.put(arch, hex.toLowerCase());
                }
            });
        }
        String sha256Url = m.containsKey("sha256Url") ? m.get("sha256Url").text() : null;
        if (pins.isEmpty() && sha256Url == null) {
            b.error("binary '" + name + "' has no checksum: add 'sha256: {amd64: <hex>}' or 'sha256Url: ${url}.sha256'");
        }
        if (name == null || url == null) {
            return null;
        }
        String version = m.containsKey("version") ? m.get("version").text() : null;
        String file = m.containsKey("file") ? m.get("file").text() : null;
        return new BundleSpec.BinarySpec(name, url, version, pins, sha256Url, file, b.where());
    }

    private void readImageList(Path list, YamlCursor from, Draft d, List<Problem> problems) {
        List<String> lines;
        try {
            lines = Files.readAllLines(list, StandardCharsets.UTF_8);
        } catch (IOException e) {
            from.error("cannot read image list " + list + ": " + e.getMessage());
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).replaceFirst("#.*", "").trim();
            if (!line.isEmpty()) {
                String where = list + ":" + (i + 1);
                addImage(line, where, msg -> problems.add(Problem.error(where, msg)), d);
            }
        }
    }

    private static void addImage(String ref, String where, java.util.function.Consumer<String> error, Draft d) {
        if (ref == null) {
            return;
        }
        try {
            ImageReference parsed = ImageReference.parse(ref);
            d.images.putIfAbsent(parsed.canonical(), new BundleSpec.ImageSpec(ref, where));
        } catch (IllegalArgumentException e) {
            error.accept(e.getMessage());
        }
    }

    private void registry(YamlCursor n, Draft d) {
        Map<String, YamlCursor> m = n.fields(Set.of("host", "username", "passwordEnv", "passwordFile", "plainHttp"));
        String host = required(n, m, "host");
        String user = m.containsKey("username") ? m.get("username").text() : null;
        Secret password = null;
        if (m.containsKey("passwordEnv")) {
            String var = m.get("passwordEnv").text();
            String value = var == null ? null : env.apply(var);
            if (var != null && value == null) {
                m.get("passwordEnv").error("environment variable " + var + " is not set; export it before building");
            } else if (value != null) {
                password = Secret.of(value, "env:" + var);
            }
        } else if (m.containsKey("passwordFile")) {
            String pf = m.get("passwordFile").text();
            try {
                if (pf != null) {
                    password = Secret.of(Files.readString(Path.of(pf)).strip(), "file:" + pf);
                }
            } catch (IOException e) {
                m.get("passwordFile").error("cannot read " + pf + ": " + e.getMessage());
            }
        }
        if (user != null && password == null && !m.containsKey("passwordEnv") && !m.containsKey("passwordFile")) {
            n.error("username without a password: add passwordEnv: <VARIABLE> or passwordFile: <path>");
        }
        boolean plain = m.containsKey("plainHttp") && m.get("plainHttp").bool().orElse(false);
        if (host != null) {
            d.registries.add(new BundleSpec.RegistrySettings(host, user, password, plain));
        }
    }

    private static void extraFile(YamlCursor n, Path dir, Draft d) {
        Map<String, YamlCursor> m = n.fields(Set.of("path", "source", "url", "sha256"));
        String path = required(n, m, "path");
        java.util.Optional<String> bad = path == null ? java.util.Optional.empty() : BundleLayout.problem(path);
        if (bad.isPresent()) {
            m.get("path").error(bad.get());
            return;
        }
        String source = m.containsKey("source") ? m.get("source").text() : null;
        String url = m.containsKey("url") ? m.get("url").text() : null;
        String sha = m.containsKey("sha256") ? m.get("sha256").text() : null;
        if ((source == null) == (url == null)) {
            n.error("give exactly one of 'source' (a local file) or 'url' (with 'sha256')");
            return;
        }
        Path src = source == null ? null : dir.resolve(source).normalize();
        if (src != null && !Files.isRegularFile(src)) {
            m.get("source").error("file " + src + " does not exist");
            return;
        }
        if (url != null && (sha == null || !Sha256.isHex(sha.toLowerCase()))) {
            n.error("a file from a url needs 'sha256: <64 hex digits>'");
            return;
        }
        if (path != null) {
            d.files.add(new BundleSpec.ExtraFile(path, src, url, sha == null ? null : sha.toLowerCase(), n.where()));
        }
    }

    private static String required(YamlCursor parent, Map<String, YamlCursor> m, String key) {
        if (!m.containsKey(key)) {
            parent.error("'" + key + "' is missing");
            return null;
        }
        return m.get(key).text();
    }

    /** Expands each template once for each architecture, so a typo in a variable is reported at load time. */
    private static void checkTemplates(Draft d, List<BundleSpec.BinarySpec> binaries, List<Problem> problems) {
        for (BundleSpec.BinarySpec b : binaries) {
            for (String arch : d.architectures) {
                try {
                    ExpandedBinary x = expand(d.kubernetesVersion, d.versions, b, arch);
                    if (b.sha256Url() != null) {
                        Templates.expand(b.sha256Url(), x.vars());
                    }
                    java.util.Optional<String> bad = io.kubeferry.bundle.BundlePaths.unsafe(x.file());
                    if (bad.isPresent()) {
                        problems.add(Problem.error(b.where(), "binary '" + b.name() + "': its file name '" + x.file() + "' "
                                + bad.get() + (b.file() != null ? "; 'file' names a file under bin/" + arch + "/"
                                : "; the URL does not end in a file name: add 'file: <name>'")));
                        break;
                    }
                    if (b.sha256Url() == null && !b.sha256().containsKey(arch)) {
                        problems.add(Problem.error(b.where(), "binary '" + b.name() + "' has no sha256 for " + arch));
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(Problem.error(b.where(), "binary '" + b.name() + "': " + e.getMessage()));
                    break;
                }
            }
        }
    }

    /**
     * Every path a spec puts in the bundle (bin/&lt;arch&gt;/&lt;file&gt; of each binary, each extra file) is
     * distinct, and none is a directory of another: the packer would write two entries for one path, or a file
     * where a directory must be.
     */
    private static void checkPathsAreDistinct(Draft d, List<BundleSpec.BinarySpec> binaries, List<Problem> problems) {
        Map<String, String> whereByPath = new LinkedHashMap<>();
        java.util.function.BiConsumer<String, String> add = (path, where) -> {
            String earlier = whereByPath.putIfAbsent(path, where);
            if (earlier != null) {
                problems.add(Problem.error(where, "'" + path + "' is already in the bundle from " + earlier
                        + "; every file needs its own path"));
            }
        };
        if (d.kubernetesVersion != null) {
            for (BundleSpec.BinarySpec b : binaries) {
                for (String arch : d.architectures) {
                    try {
                        ExpandedBinary x = expand(d.kubernetesVersion, d.versions, b, arch);
                        if (io.kubeferry.bundle.BundlePaths.unsafe(x.file()).isEmpty()) {
                            add.accept(x.path(), b.where());
                        }
                    } catch (IllegalArgumentException e) {
                        break; // reported by checkTemplates
                    }
                }
            }
        }
        d.files.forEach(f -> add.accept(f.path(), f.where()));
        for (Map.Entry<String, String> e : whereByPath.entrySet()) {
            for (String p = e.getKey(); p.lastIndexOf('/') > 0; ) {
                p = p.substring(0, p.lastIndexOf('/'));
                if (whereByPath.containsKey(p)) {
                    problems.add(Problem.error(whereByPath.get(p), "'" + p + "' is a file here, but " + e.getValue()
                            + " puts '" + e.getKey() + "' inside it as a directory"));
                }
            }
        }
    }

    /**
     * One binary for one architecture with its templates expanded.
     *
     * @param vars the template variables, with {@code url} (for sha256Url)
     * @param url  the binary's URL (before mirrors)
     * @param file its file name under {@code bin/<arch>/}
     * @param path its path in the bundle
     */
    public record ExpandedBinary(Map<String, String> vars, String url, String file, String path) {
    }

    /** Expands a binary's URL and file name for one architecture; IllegalArgumentException names an unknown variable. */
    public static ExpandedBinary expand(String k8s, Map<String, String> versions, BundleSpec.BinarySpec b, String arch) {
        Map<String, String> vars = variables(k8s, versions, b, arch);
        String url = Templates.expand(b.url(), vars);
        vars.put("url", url);
        String file = b.file() != null ? Templates.expand(b.file(), vars) : BundleLayout.lastSegment(url);
        return new ExpandedBinary(vars, url, file, BundleLayout.binaryPath(arch, file));
    }

    /** Template variables for one binary and architecture. */
    public static Map<String, String> variables(String k8s, Map<String, String> versions, BundleSpec.BinarySpec b, String arch) {
        Map<String, String> vars = new HashMap<>(versions);
        vars.put("kubernetesVersion", k8s);
        vars.put("arch", arch);
        if (b.version() != null) {
            vars.put("version", Templates.expand(b.version(), vars));
        }
        return vars;
    }
}
