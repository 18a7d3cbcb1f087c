package io.kubeferry.inventory;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.yaml.Suggest;
import io.kubeferry.yaml.YamlCursor;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an inventory YAML file into a validated, immutable {@link Inventory}. Every problem in the
 * file is collected (with file, line, column and YAML path) and reported at once in a
 * {@link BadInputException}; nothing is returned half-valid.
 */
public final class InventoryLoader {
    static final Set<String> TOP_KEYS = Set.of("apiVersion", "kind", "cluster", "ssh", "hosts");
    static final Set<String> CLUSTER_KEYS = Set.of("name", "kubernetesVersion", "controlPlaneEndpoint", "networking",
            "certificates", "extraArgs", "imageRepository");
    static final Set<String> ENDPOINT_KEYS = Set.of("address", "port", "mode");
    static final Set<String> NETWORKING_KEYS = Set.of("podSubnet", "serviceSubnet", "dnsDomain", "cni");
    static final Set<String> CERT_KEYS = Set.of("keyAlgorithm", "caValidity", "certValidity", "apiServerCertSANs");
    static final Set<String> SSH_KEYS = Set.of("user", "port", "password", "privateKeyFile", "passphrase", "sudo",
            "sudoPassword", "bastion", "hostKeyFingerprint", "knownHostsFile", "hostKeyPolicy", "connectTimeout");
    static final Set<String> BASTION_KEYS = Set.of("address", "port", "user", "password", "privateKeyFile",
            "passphrase", "hostKeyFingerprint");
    static final Set<String> HOST_KEYS = Set.of("name", "address", "internalAddress", "roles", "labels", "taints", "ssh");
    static final Set<String> TAINT_KEYS = Set.of("key", "value", "effect");
    /** Components whose flags may be overridden with extraArgs. */
    public static final Set<String> COMPONENTS = Set.of("kube-apiserver", "kube-controller-manager", "kube-scheduler",
            "etcd", "kubelet", "kube-proxy");
    public static final String API_VERSION = "kubeferry.io/v1alpha1";
    /** Flags whose value other files depend on; "component flag". */
    static final Set<String> RESERVED_FLAGS = Set.of("kube-apiserver secure-port", "kube-apiserver advertise-address",
            "etcd listen-client-urls", "etcd advertise-client-urls");
    private static final Pattern KUBELET_VALUE = Pattern.compile("[^\\s\"'$`\\\\]*");

    private static final Pattern SECRET_REF = Pattern.compile("\\$\\{(env|file):([^}]+)}");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern TAINT_TEXT = Pattern.compile("([^=:]+)(=([^:]*))?:(\\w+)");
    private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}=?");

    private final Function<String, String> environment;

    /** An inventory, and the warnings that did not stop it (e.g. an even number of etcd members). */
    public record Loaded(Inventory inventory, List<Problem> warnings) {
    }

    public InventoryLoader() {
        this(System::getenv);
    }

    /** @param environment where {@code ${env:NAME}} secrets are looked up (tests pass a map) */
    public InventoryLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    /** Loads and validates; throws {@link BadInputException} listing every error. Warnings are dropped. */
    public static Inventory load(Path file) {
        return new InventoryLoader().read(file).inventory();
    }

    public Loaded read(Path file) {
        String display = file.toString();
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true); // reported by us, with a location
            Yaml yaml = new Yaml(new SafeConstructor(options));
            List<Node> docs = new ArrayList<>();
            yaml.composeAll(reader).forEach(docs::add);
            if (docs.size() != 1) {
                throw new BadInputException(display, docs.isEmpty() ? "the inventory is empty; see inventory.example.yaml"
                        : "the inventory must be one YAML document, found " + docs.size());
            }
            root = docs.get(0);
        } catch (MarkedYAMLException e) {
            var m = e.getProblemMark();
            throw new BadInputException(display + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1),
                    "not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new BadInputException(display, "not valid YAML: " + e.getMessage());
        } catch (IOException e) {
            throw new BadInputException(display, "cannot read the inventory file (" + e.getMessage()
                    + "); pass an existing file with -i");
        }
        List<Problem> problems = new ArrayList<>();
        Parse parse = new Parse(file, new YamlCursor(display, root, "", problems));
        Inventory inventory = parse.inventory();
        problems.sort(java.util.Comparator.comparingLong(InventoryLoader::position));
        if (problems.stream().anyMatch(p -> p.severity() == Problem.Severity.ERROR)) {
            throw new BadInputException(problems);
        }
        return new Loaded(inventory, List.copyOf(problems));
    }

    /** Sorts problems in file order: {@code file:line:column (path)} gives line * 10^6 + column. */
    private static long position(Problem p) {
        Matcher m = Pattern.compile(":(\\d+):(\\d+) \\(").matcher(p.where());
        return m.find() ? Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2)) : Long.MAX_VALUE;
    }

    /** SSH settings as written at one level (top or host), before merging: null means "not set here". */
    private record SshDraft(String user, Integer port, Secret password, Path privateKeyFile, Secret passphrase,
                            SshSettings.Sudo sudo, Secret sudoPassword, SshSettings.Bastion bastion,
                            String hostKeyFingerprint, Path knownHostsFile, SshSettings.HostKeyPolicy hostKeyPolicy,
                            Duration connectTimeout) {
        static final SshDraft EMPTY = new SshDraft(null, null, null, null, null, null, null, null, null, null, null, null);

        SshDraft over(SshDraft base) {
            return new SshDraft(or(user, base.user), or(port, base.port), or(password, base.password),
                    or(privateKeyFile, base.privateKeyFile), or(passphrase, base.passphrase), or(sudo, base.sudo),
                    or(sudoPassword, base.sudoPassword), or(bastion, base.bastion),
                    or(hostKeyFingerprint, base.hostKeyFingerprint), or(knownHostsFile, base.knownHostsFile),
                    or(hostKeyPolicy, base.hostKeyPolicy), or(connectTimeout, base.connectTimeout));
        }

        private static <T> T or(T a, T b) {
            return a != null ? a : b;
        }
    }

    /** One parse of one file: holds the problem list through the cursors. */
    private final class Parse {
        private final Path file;
        private final Path baseDir;
        private final YamlCursor root;

        Parse(Path file, YamlCursor root) {
            this.file = file;
            this.baseDir = file.toAbsolutePath().getParent();
            this.root = root;
        }

        Inventory inventory() {
            Map<String, YamlCursor> top = root.fields(TOP_KEYS);
            Optional.ofNullable(top.get("apiVersion")).flatMap(YamlCursor::string).ifPresent(v -> {
                if (!API_VERSION.equals(v)) top.get("apiVersion").error("expected '" + API_VERSION + "'");
            });
            Optional.ofNullable(top.get("kind")).flatMap(YamlCursor::string).ifPresent(v -> {
                if (!"Inventory".equals(v)) top.get("kind").error("expected 'Inventory'");
            });
            SshDraft sshDefaults = top.containsKey("ssh") ? ssh(top.get("ssh")) : SshDraft.EMPTY;
            List<HostEntry> hosts = new ArrayList<>();
            if (!top.containsKey("hosts")) {
                root.error("missing 'hosts': list the machines of the cluster (see inventory.example.yaml)");
            } else {
                List<YamlCursor> items = top.get("hosts").items();
                for (YamlCursor item : items) {
                    hosts.addAll(hostEntries(item, sshDefaults));
                }
                if (items.isEmpty()) {
                    top.get("hosts").error("no hosts listed");
                }
            }
            ClusterSpec cluster = top.containsKey("cluster") ? cluster(top.get("cluster"), hosts) : null;
            if (cluster == null && !top.containsKey("cluster")) {
                root.error("missing 'cluster': give at least cluster.kubernetesVersion");
            }
            crossChecks(cluster, hosts, top.get("hosts") != null ? top.get("hosts") : root);
            return cluster == null ? null : new Inventory(file, cluster, hosts.stream().map(HostEntry::host).toList());
        }

        // ---- cluster ----

        private ClusterSpec cluster(YamlCursor c, List<HostEntry> hosts) {
            Map<String, YamlCursor> f = c.fields(CLUSTER_KEYS);
            String name = Optional.ofNullable(f.get("name")).flatMap(YamlCursor::string).orElse("kubernetes");
            if (!DNS_LABEL.matcher(name).matches() || name.length() > 63) {
                f.get("name").error("cluster name '" + name + "' must be a DNS label: lowercase letters, digits and '-'");
            }
            KubernetesVersion version = null;
            if (!f.containsKey("kubernetesVersion")) {
                c.error("missing 'kubernetesVersion' (for example 1.34.1); it must match the bundle's");
            } else {
                YamlCursor vc = f.get("kubernetesVersion");
                Optional<String> text = vc.string();
                if (text.isPresent()) {
                    version = KubernetesVersion.parse(text.get()).orElse(null);
                    if (version == null) {
                        vc.error("'" + text.get() + "' is not a Kubernetes version; write it like 1.34.1");
                    } else if (!version.isSupported()) {
                        vc.error("Kubernetes " + version + " is not supported; Kubeferry supports 1."
                                + KubernetesVersion.MIN_SUPPORTED_MINOR + " to 1." + KubernetesVersion.MAX_SUPPORTED_MINOR);
                    }
                }
            }
            long controlPlanes = hosts.stream().filter(h -> h.host().isControlPlane()).count();
            ControlPlaneEndpoint endpoint = endpoint(f.get("controlPlaneEndpoint"), c, hosts, controlPlanes);
            Networking networking = networking(f.containsKey("networking") ? f.get("networking") : null);
            CertificateOptions certs = f.containsKey("certificates") ? certificates(f.get("certificates")) : CertificateOptions.defaults();
            Map<String, Map<String, String>> extraArgs = new LinkedHashMap<>();
            if (f.containsKey("extraArgs")) {
                for (var e : f.get("extraArgs").entries().entrySet()) {
                    if (!COMPONENTS.contains(e.getKey())) {
                        String hint = Suggest.closest(e.getKey(), COMPONENTS).map(s -> "; did you mean '" + s + "'?").orElse("");
                        e.getValue().error("unknown component '" + e.getKey() + "'" + hint);
                        continue;
                    }
                    Map<String, String> args = new LinkedHashMap<>();
                    for (var a : e.getValue().entries().entrySet()) {
                        String flag = a.getKey();
                        if (flag.startsWith("-")) {
                            a.getValue().error("write the flag name without dashes: '" + flag.replaceFirst("^-+", "") + "'");
                            continue;
                        }
                        if (RESERVED_FLAGS.contains(e.getKey() + " " + flag)) {
                            a.getValue().error("--" + flag + " of " + e.getKey() + " is set by Kubeferry from the inventory"
                                    + " (kubeconfigs, probes and proxies must agree with it); remove it here");
                            continue;
                        }
                        a.getValue().string().ifPresent(v -> {
                            // the kubelet's flags go into an environment file read by systemd: no quoting survives there
                            if (e.getKey().equals("kubelet") && !KUBELET_VALUE.matcher(v).matches()) {
                                a.getValue().error("kubelet flag values may not contain spaces, quotes, '$', '\\' or"
                                        + " backquotes (they go into /var/lib/kubelet/kubeadm-flags.env)");
                            } else if (v.indexOf('\n') >= 0) {
                                a.getValue().error("flag values must be one line");
                            } else {
                                args.put(flag, v);
                            }
                        });
                    }
                    extraArgs.put(e.getKey(), args);
                }
            }
            String imageRepository = Optional.ofNullable(f.get("imageRepository")).flatMap(YamlCursor::string)
                    .orElse(ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
            if (version == null || networking == null || endpoint == null || certs == null) {
                return null;
            }
            return new ClusterSpec(name, version, endpoint, networking, certs, extraArgs, imageRepository);
        }

        private ControlPlaneEndpoint endpoint(YamlCursor c, YamlCursor cluster, List<HostEntry> hosts, long controlPlanes) {
            if (c == null) {
                if (controlPlanes > 1) {
                    cluster.error("missing 'controlPlaneEndpoint': with " + controlPlanes + " control-plane hosts, give the address"
                            + " of your load balancer or VIP (mode: external), or use mode: local-proxy to have Kubeferry run a"
                            + " proxy to all apiservers on every node");
                    return null;
                }
                return hosts.stream().filter(h -> h.host().isControlPlane()).findFirst()
                        .map(h -> new ControlPlaneEndpoint(h.host().internalAddress(), ControlPlaneEndpoint.DEFAULT_PORT,
                                ControlPlaneEndpoint.Mode.SINGLE_NODE))
                        .orElse(null);
            }
            Map<String, YamlCursor> f = c.fields(ENDPOINT_KEYS);
            ControlPlaneEndpoint.Mode mode = ControlPlaneEndpoint.Mode.EXTERNAL;
            if (f.containsKey("mode")) {
                Optional<String> m = f.get("mode").string();
                Optional<ControlPlaneEndpoint.Mode> parsed = m.flatMap(s -> java.util.Arrays.stream(ControlPlaneEndpoint.Mode.values())
                        .filter(x -> x != ControlPlaneEndpoint.Mode.SINGLE_NODE && x.yamlName().equals(s)).findFirst());
                if (m.isPresent() && parsed.isEmpty()) {
                    f.get("mode").error("unknown mode '" + m.get() + "'; use 'external' (your load balancer or VIP) or 'local-proxy'");
                    return null;
                }
                mode = parsed.orElse(mode);
            }
            int port = f.containsKey("port") ? f.get("port").integer(1, 65535).orElse(-1) : ControlPlaneEndpoint.DEFAULT_PORT;
            String address;
            if (f.containsKey("address")) {
                address = f.get("address").string().orElse(null);
                if (address != null && !Cidr.isIpLiteral(address)
                        && (!DNS_SUBDOMAIN.matcher(address).matches() || address.matches("[0-9.]+"))) {
                    f.get("address").error("'" + address + "' is neither an IP address nor a DNS name");
                    return null;
                }
            } else if (mode == ControlPlaneEndpoint.Mode.LOCAL_PROXY) {
                address = ControlPlaneEndpoint.DEFAULT_LOCAL_PROXY_NAME;
            } else {
                c.error("missing 'address': the IP or DNS name of your load balancer or VIP");
                return null;
            }
            if (mode == ControlPlaneEndpoint.Mode.LOCAL_PROXY && address != null && Cidr.isIpLiteral(address)) {
                f.get("address").error("in local-proxy mode the address must be a DNS name (each node maps it to its"
                        + " local proxy or apiserver in /etc/hosts), not an IP; leave it out to use "
                        + ControlPlaneEndpoint.DEFAULT_LOCAL_PROXY_NAME);
                return null;
            }
            if (address == null || port < 0) {
                return null;
            }
            return new ControlPlaneEndpoint(address, port, mode);
        }

        private Networking networking(YamlCursor c) {
            Map<String, YamlCursor> f = c == null ? Map.of() : c.fields(NETWORKING_KEYS);
            Cidr pods = cidr(f.get("podSubnet"), "10.244.0.0/16");
            Cidr services = cidr(f.get("serviceSubnet"), Networking.DEFAULT_SERVICE_SUBNET);
            String domain = Optional.ofNullable(f.get("dnsDomain")).flatMap(YamlCursor::string).orElse(Networking.DEFAULT_DNS_DOMAIN);
            if (!DNS_SUBDOMAIN.matcher(domain).matches()) {
                f.get("dnsDomain").error("'" + domain + "' is not a DNS domain");
            }
            Networking.Cni cni = Networking.Cni.FLANNEL;
            if (f.containsKey("cni")) {
                Optional<String> s = f.get("cni").string();
                Optional<Networking.Cni> parsed = s.flatMap(v -> java.util.Arrays.stream(Networking.Cni.values())
                        .filter(x -> x.yamlName().equals(v)).findFirst());
                if (s.isPresent() && parsed.isEmpty()) {
                    f.get("cni").error("unknown CNI '" + s.get() + "'; choose flannel or calico");
                }
                cni = parsed.orElse(cni);
            }
            if (pods != null && services != null && pods.overlaps(services)) {
                (f.containsKey("podSubnet") ? f.get("podSubnet") : c).error("podSubnet " + pods + " overlaps serviceSubnet "
                        + services + "; pick ranges that do not overlap");
            }
            if (pods == null || services == null) {
                return null;
            }
            return new Networking(pods, services, domain, cni);
        }

        private Cidr cidr(YamlCursor c, String defaultValue) {
            if (c == null) {
                return Cidr.parse(defaultValue).orElseThrow();
            }
            Optional<String> s = c.string();
            if (s.isEmpty()) {
                return null;
            }
            Optional<Cidr> parsed = Cidr.parse(s.get());
            if (parsed.isEmpty()) {
                c.error("'" + s.get() + "' is not a CIDR; write it like 10.244.0.0/16");
                return null;
            }
            if (!parsed.get().toString().equals(s.get().trim())) {
                c.warning("'" + s.get() + "' has host bits set; using " + parsed.get());
            }
            return parsed.get();
        }

        private CertificateOptions certificates(YamlCursor c) {
            Map<String, YamlCursor> f = c.fields(CERT_KEYS);
            KeyAlgorithm algorithm = KeyAlgorithm.RSA_2048;
            if (f.containsKey("keyAlgorithm")) {
                Optional<String> s = f.get("keyAlgorithm").string();
                Optional<KeyAlgorithm> parsed = s.flatMap(KeyAlgorithm::fromYaml);
                if (s.isPresent() && parsed.isEmpty()) {
                    f.get("keyAlgorithm").error("unknown key algorithm '" + s.get() + "'; choose one of "
                            + java.util.Arrays.stream(KeyAlgorithm.values()).map(KeyAlgorithm::yamlName).toList());
                }
                algorithm = parsed.orElse(algorithm);
            }
            Duration ca = duration(f.get("caValidity"), CertificateOptions.DEFAULT_CA_VALIDITY);
            Duration leaf = duration(f.get("certValidity"), CertificateOptions.DEFAULT_CERT_VALIDITY);
            if (ca != null && leaf != null && leaf.compareTo(ca) > 0) {
                f.get(f.containsKey("certValidity") ? "certValidity" : "caValidity")
                        .error("certValidity (" + Durations.format(leaf) + ") is longer than caValidity (" + Durations.format(ca)
                                + "); a certificate cannot outlive its CA");
            }
            List<String> sans = new ArrayList<>();
            if (f.containsKey("apiServerCertSANs")) {
                for (YamlCursor item : f.get("apiServerCertSANs").items()) {
                    item.string().ifPresent(s -> {
                        if (!Cidr.isIpLiteral(s) && !DNS_SUBDOMAIN.matcher(s.startsWith("*.") ? s.substring(2) : s).matches()) {
                            item.error("'" + s + "' is neither an IP address nor a DNS name");
                        } else {
                            sans.add(s);
                        }
                    });
                }
            }
            if (ca == null || leaf == null || (f.containsKey("keyAlgorithm") && algorithm == KeyAlgorithm.RSA_2048
                    && f.get("keyAlgorithm").string().flatMap(KeyAlgorithm::fromYaml).isEmpty())) {
                return null;
            }
            return new CertificateOptions(algorithm, ca, leaf, sans);
        }

        private Duration duration(YamlCursor c, Duration defaultValue) {
            if (c == null) {
                return defaultValue;
            }
            Optional<String> s = c.string();
            Optional<Duration> d = s.flatMap(Durations::parse);
            if (s.isPresent() && (d.isEmpty() || d.get().isZero())) {
                c.error("'" + s.get() + "' is not a duration; write it like 8760h, 365d or 10y");
                return null;
            }
            return d.orElse(null);
        }

        // ---- ssh ----

        private SshDraft ssh(YamlCursor c) {
            Map<String, YamlCursor> f = c.fields(SSH_KEYS);
            String user = text(f.get("user"));
            Integer port = f.containsKey("port") ? f.get("port").integer(1, 65535).orElse(null) : null;
            Secret password = secret(f.get("password"));
            Path key = existingFile(f.get("privateKeyFile"), "private key");
            Secret passphrase = secret(f.get("passphrase"));
            SshSettings.Sudo sudo = null;
            if (f.containsKey("sudo")) {
                Optional<String> s = f.get("sudo").string();
                sudo = s.map(v -> switch (v) {
                    case "none" -> SshSettings.Sudo.NONE;
                    case "passwordless" -> SshSettings.Sudo.PASSWORDLESS;
                    case "password" -> SshSettings.Sudo.PASSWORD;
                    default -> null;
                }).orElse(null);
                if (s.isPresent() && sudo == null) {
                    f.get("sudo").error("unknown sudo mode '" + s.get() + "'; use none, passwordless or password");
                }
            }
            Secret sudoPassword = secret(f.get("sudoPassword"));
            SshSettings.Bastion bastion = f.containsKey("bastion") ? bastion(f.get("bastion")) : null;
            String fingerprint = fingerprint(f.get("hostKeyFingerprint"));
            Path knownHosts = f.containsKey("knownHostsFile") ? path(text(f.get("knownHostsFile"))) : null;
            SshSettings.HostKeyPolicy policy = null;
            if (f.containsKey("hostKeyPolicy")) {
                Optional<String> s = f.get("hostKeyPolicy").string();
                policy = s.map(v -> switch (v) {
                    case "strict" -> SshSettings.HostKeyPolicy.STRICT;
                    case "accept-new" -> SshSettings.HostKeyPolicy.ACCEPT_NEW;
                    default -> null;
                }).orElse(null);
                if (s.isPresent() && policy == null) {
                    f.get("hostKeyPolicy").error("unknown policy '" + s.get() + "'; use strict (default) or accept-new");
                }
            }
            Duration timeout = f.containsKey("connectTimeout") ? duration(f.get("connectTimeout"), null) : null;
            return new SshDraft(user, port, password, key, passphrase, sudo, sudoPassword, bastion, fingerprint,
                    knownHosts, policy, timeout);
        }

        private SshSettings.Bastion bastion(YamlCursor c) {
            Map<String, YamlCursor> f = c.fields(BASTION_KEYS);
            String address = text(f.get("address"));
            if (address == null) {
                c.error("missing 'address' of the bastion (jump host)");
            }
            int port = f.containsKey("port") ? f.get("port").integer(1, 65535).orElse(22) : 22;
            String user = Optional.ofNullable(text(f.get("user"))).orElse("root");
            Secret password = secret(f.get("password"));
            Path key = existingFile(f.get("privateKeyFile"), "private key");
            if (password == null && key == null && address != null) {
                c.error("the bastion needs 'password' or 'privateKeyFile'");
            }
            return new SshSettings.Bastion(address, port, user, password, key, secret(f.get("passphrase")),
                    fingerprint(f.get("hostKeyFingerprint")));
        }

        private String fingerprint(YamlCursor c) {
            String s = text(c);
            if (s != null && !FINGERPRINT.matcher(s).matches()) {
                c.error("'" + s + "' is not an OpenSSH SHA256 fingerprint; get it with"
                        + " `ssh-keyscan HOST | ssh-keygen -lf -` (looks like SHA256:base64...)");
                return null;
            }
            return s;
        }

        private SshSettings finish(SshDraft d, YamlCursor hostCursor, String hostName) {
            String user = d.user() != null ? d.user() : "root";
            SshSettings.Sudo sudo = d.sudo() != null ? d.sudo()
                    : "root".equals(user) ? SshSettings.Sudo.NONE
                    : d.sudoPassword() != null ? SshSettings.Sudo.PASSWORD : SshSettings.Sudo.PASSWORDLESS;
            Secret sudoPassword = d.sudoPassword() != null ? d.sudoPassword() : d.password();
            if (d.password() == null && d.privateKeyFile() == null) {
                hostCursor.error("no SSH credentials for host '" + hostName + "': set ssh.privateKeyFile or ssh.password"
                        + " (at the top for all hosts, or under this host)");
            }
            if (sudo == SshSettings.Sudo.PASSWORD && sudoPassword == null) {
                hostCursor.error("sudo: password needs ssh.sudoPassword (or ssh.password) for host '" + hostName + "'");
            }
            Path knownHosts = d.knownHostsFile() != null ? d.knownHostsFile()
                    : Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
            return new SshSettings(user, d.port() != null ? d.port() : 22, d.password(), d.privateKeyFile(), d.passphrase(),
                    sudo, sudoPassword, d.bastion(), d.hostKeyFingerprint(), knownHosts,
                    d.hostKeyPolicy() != null ? d.hostKeyPolicy() : SshSettings.HostKeyPolicy.STRICT,
                    d.connectTimeout() != null ? d.connectTimeout() : Duration.ofSeconds(10));
        }

        // ---- hosts ----

        /** A host and where it was written, for cross-checks that must point at the file. */
        private record HostEntry(Host host, YamlCursor cursor, YamlCursor addressCursor, YamlCursor internalCursor) {
        }

        private List<HostEntry> hostEntries(YamlCursor c, SshDraft sshDefaults) {
            Map<String, YamlCursor> f = c.fields(HOST_KEYS);
            String name = text(f.get("name"));
            String address = text(f.get("address"));
            String internal = text(f.get("internalAddress"));
            if (name == null) {
                c.error("missing 'name' of the host");
            }
            if (address == null) {
                c.error("missing 'address' (the IP or DNS name the installer reaches over SSH)");
            }
            if (name == null || address == null) {
                return List.of();
            }
            List<String> names = expand(f.get("name"), name);
            List<String> addresses = expand(f.get("address"), address);
            List<String> internals = internal == null ? null : expand(f.get("internalAddress"), internal);
            if (names == null || addresses == null || (internal != null && internals == null)) {
                return List.of();
            }
            if (names.size() != addresses.size() || (internals != null && internals.size() != names.size())) {
                c.error("name expands to " + names.size() + " hosts but address to " + addresses.size()
                        + (internals != null ? " and internalAddress to " + internals.size() : "")
                        + "; use ranges of the same length (e.g. name: node[01:20], address: 10.0.0.[11:30])");
                return List.of();
            }
            Set<Role> roles = EnumSet.noneOf(Role.class);
            if (!f.containsKey("roles")) {
                c.error("missing 'roles': control-plane, worker and/or etcd");
            } else {
                YamlCursor rc = f.get("roles");
                for (String r : rc.strings()) {
                    Optional<Role> role = Role.fromYaml(r);
                    if (role.isEmpty()) {
                        String hint = Suggest.closest(r, java.util.Arrays.stream(Role.values()).map(Role::yamlName).toList())
                                .map(s -> "; did you mean '" + s + "'?").orElse("");
                        rc.error("unknown role '" + r + "'" + hint + " (roles: control-plane, worker, etcd)");
                    } else {
                        roles.add(role.get());
                    }
                }
                if (roles.isEmpty() && rc.strings().isEmpty()) {
                    rc.error("give at least one role: control-plane, worker or etcd");
                }
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (f.containsKey("labels")) {
                for (var e : f.get("labels").entries().entrySet()) {
                    if (!LABEL_KEY.matcher(e.getKey()).matches()) {
                        e.getValue().error("'" + e.getKey() + "' is not a valid label key");
                        continue;
                    }
                    e.getValue().string().ifPresent(v -> {
                        if (!LABEL_VALUE.matcher(v).matches() || v.length() > 63) {
                            e.getValue().error("'" + v + "' is not a valid label value (63 characters: letters, digits, '-', '_', '.')");
                        } else {
                            labels.put(e.getKey(), v);
                        }
                    });
                }
            }
            List<Taint> taints = new ArrayList<>();
            if (f.containsKey("taints")) {
                for (YamlCursor t : f.get("taints").items()) {
                    Optional.ofNullable(taint(t)).ifPresent(taints::add);
                }
            }
            SshDraft own = f.containsKey("ssh") ? ssh(f.get("ssh")) : SshDraft.EMPTY;
            SshDraft merged = own.over(sshDefaults);
            List<HostEntry> out = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i);
                if (!DNS_SUBDOMAIN.matcher(n).matches() || n.length() > 253) {
                    f.get("name").error("host name '" + n + "' must be a DNS name: lowercase letters, digits, '-' and '.'");
                    continue;
                }
                String a = addresses.get(i);
                if (!Cidr.isIpLiteral(a) && (!DNS_SUBDOMAIN.matcher(a).matches() || a.matches("[0-9.]+"))) {
                    f.get("address").error("'" + a + "' is neither an IP address nor a DNS name");
                    continue;
                }
                String in = internals != null ? internals.get(i) : a;
                if (!Cidr.isIpLiteral(in)) {
                    (internals != null ? f.get("internalAddress") : f.get("address")).error(internals != null
                            ? "internalAddress '" + in + "' must be an IP address"
                            : "address '" + a + "' is a DNS name: also give internalAddress, the IP the cluster uses");
                    continue;
                }
                SshSettings ssh = finish(merged, c, n);
                out.add(new HostEntry(new Host(n, a, in, ssh, roles, labels, taints), c, f.get("address"),
                        f.containsKey("internalAddress") ? f.get("internalAddress") : f.get("address")));
            }
            return out;
        }

        private Taint taint(YamlCursor t) {
            if (t.node() instanceof org.yaml.snakeyaml.nodes.ScalarNode) {
                Optional<String> s = t.string();
                if (s.isEmpty()) return null;
                Matcher m = TAINT_TEXT.matcher(s.get());
                if (!m.matches()) {
                    t.error("'" + s.get() + "' is not a taint; write key=value:Effect or key:Effect");
                    return null;
                }
                return checkedTaint(t, m.group(1), m.group(3) == null ? "" : m.group(3), m.group(4));
            }
            Map<String, YamlCursor> f = t.fields(TAINT_KEYS);
            String key = text(f.get("key"));
            String effect = text(f.get("effect"));
            if (key == null || effect == null) {
                t.error("a taint needs 'key' and 'effect'");
                return null;
            }
            return checkedTaint(t, key, Optional.ofNullable(text(f.get("value"))).orElse(""), effect);
        }

        private Taint checkedTaint(YamlCursor t, String key, String value, String effect) {
            if (!Taint.EFFECTS.contains(effect)) {
                t.error("taint effect '" + effect + "' must be one of NoSchedule, PreferNoSchedule, NoExecute");
                return null;
            }
            if (!LABEL_KEY.matcher(key).matches()) {
                t.error("'" + key + "' is not a valid taint key");
                return null;
            }
            return new Taint(key, value, effect);
        }

        private List<String> expand(YamlCursor c, String text) {
            String[] error = new String[1];
            Optional<List<String>> out = Ranges.expand(text, error);
            if (out.isEmpty()) {
                c.error(error[0]);
                return null;
            }
            return out.get();
        }

        // ---- checks across the file ----

        private void crossChecks(ClusterSpec cluster, List<HostEntry> hosts, YamlCursor hostsCursor) {
            Map<String, HostEntry> byName = new HashMap<>();
            Map<String, HostEntry> byAddress = new HashMap<>();
            Map<String, HostEntry> byInternal = new HashMap<>();
            for (HostEntry h : hosts) {
                HostEntry prev = byName.putIfAbsent(h.host().name(), h);
                if (prev != null) {
                    h.cursor().error("duplicate host name '" + h.host().name() + "' (also at " + prev.cursor().where() + ")");
                }
                prev = byAddress.putIfAbsent(h.host().address(), h);
                if (prev != null) {
                    h.addressCursor().error("duplicate address " + h.host().address() + " (also host '" + prev.host().name() + "')");
                }
                prev = byInternal.putIfAbsent(h.host().internalAddress(), h);
                if (prev != null && !h.host().internalAddress().equals(h.host().address())) {
                    h.internalCursor().error("duplicate internalAddress " + h.host().internalAddress()
                            + " (also host '" + prev.host().name() + "')");
                }
            }
            if (!hosts.isEmpty() && hosts.stream().noneMatch(h -> h.host().isControlPlane())) {
                hostsCursor.error("no host has the control-plane role; give at least one host roles: [control-plane]");
            }
            long etcd = hosts.stream().filter(h -> h.host().has(Role.ETCD)).count();
            if (etcd == 0) {
                etcd = hosts.stream().filter(h -> h.host().isControlPlane()).count();
            }
            if (etcd > 1 && etcd % 2 == 0) {
                hostsCursor.warning(etcd + " etcd members: an even number tolerates no more failures than " + (etcd - 1)
                        + " and needs a larger quorum; use an odd number");
            }
            if (cluster == null) {
                return;
            }
            Networking net = cluster.networking();
            for (HostEntry h : hosts) {
                var pairs = h.host().internalAddress().equals(h.host().address())
                        ? List.of(Map.entry(h.host().address(), h.addressCursor()))
                        : List.of(Map.entry(h.host().address(), h.addressCursor()),
                                Map.entry(h.host().internalAddress(), h.internalCursor()));
                for (var pair : pairs) {
                    Optional<InetAddress> ip = Cidr.parseIp(pair.getKey());
                    if (ip.isEmpty()) continue;
                    if (net.podSubnet().contains(ip.get())) {
                        pair.getValue().error("address " + pair.getKey() + " is inside podSubnet " + net.podSubnet()
                                + "; choose a podSubnet that does not contain host addresses");
                    }
                    if (net.serviceSubnet().contains(ip.get())) {
                        pair.getValue().error("address " + pair.getKey() + " is inside serviceSubnet " + net.serviceSubnet()
                                + "; choose a serviceSubnet that does not contain host addresses");
                    }
                }
            }
        }

        // ---- scalars ----

        private String text(YamlCursor c) {
            return c == null ? null : c.string().map(String::trim).orElse(null);
        }

        private Path path(String s) {
            if (s == null) return null;
            if (s.equals("~") || s.startsWith("~/")) {
                s = System.getProperty("user.home") + s.substring(1);
            }
            return baseDir.resolve(s).normalize();
        }

        private Path existingFile(YamlCursor c, String what) {
            String s = text(c);
            if (s == null) return null;
            Path p = path(s);
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                c.error(what + " file " + p + " does not exist or cannot be read");
                return null;
            }
            return p;
        }

        /** A literal, {@code ${env:NAME}} or {@code ${file:path}}. Values never appear in messages. */
        private Secret secret(YamlCursor c) {
            String s = c == null ? null : c.string().orElse(null);
            if (s == null) return null;
            Matcher m = SECRET_REF.matcher(s.trim());
            if (!m.matches()) {
                if (s.contains("${")) {
                    c.error("secret references look like ${env:NAME} or ${file:path}");
                    return null;
                }
                return Secret.of(s, "inline");
            }
            String ref = m.group(2).trim();
            if (m.group(1).equals("env")) {
                String v = environment.apply(ref);
                if (v == null) {
                    c.error("environment variable " + ref + " is not set; export it before running the installer");
                    return null;
                }
                return Secret.of(v, "env:" + ref);
            }
            Path p = path(ref);
            try {
                String v = Files.readString(p, StandardCharsets.UTF_8);
                return Secret.of(v.endsWith("\n") ? v.substring(0, v.length() - 1) : v, "file:" + p);
            } catch (IOException e) {
                c.error("cannot read secret file " + p + ": " + e.getClass().getSimpleName());
                return null;
            }
        }
    }
}
