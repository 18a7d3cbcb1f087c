package io.kubeferry.inventory;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Location;
import io.kubeferry.errors.Problem;
import io.kubeferry.yaml.YamlCursor;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads an inventory YAML file into a validated, immutable {@link Inventory}. Every problem in the file is
 * collected (with file, line, column and YAML path) and reported at once in a {@link BadInputException};
 * nothing is returned half-valid and nothing is written. The steps: {@link InventoryInput} reads the text,
 * snakeyaml composes one document, {@link SshSection} reads the SSH defaults, {@link HostsSection} the hosts,
 * {@link ClusterSection} the cluster, and {@link CrossChecks} the rules between them.
 */
public final class InventoryLoader {
    static final Set<String> TOP_KEYS = Set.of("apiVersion", "kind", "cluster", "ssh", "hosts");
    /** Components whose flags may be overridden with extraArgs. */
    public static final Set<String> COMPONENTS = Set.of("kube-apiserver", "kube-controller-manager", "kube-scheduler",
            "etcd", "kubelet", "kube-proxy");
    public static final String API_VERSION = "kubeferry.io/v1alpha1";

    /** What the inventory is loaded for, which decides whether SSH credentials must be there. */
    public enum Use {
        /**
         * Commands that touch no host ({@code certs generate}, {@code render}, {@code kubeconfig user}): SSH
         * credentials are neither required nor read (key files, {@code ${env:...}} and {@code ${file:...}}
         * secrets); their secrets are null in the result.
         */
        LOCAL,
        /** Commands that reach the hosts: every host needs credentials, and every secret and key file is read. */
        HOSTS
    }

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

    /** Loads for {@link Use#HOSTS} and validates; throws {@link BadInputException} listing every error. Warnings are dropped. */
    public static Inventory load(Path file) {
        return new InventoryLoader().read(file).inventory();
    }

    /** Reads for {@link Use#HOSTS}. */
    public Loaded read(Path file) {
        return read(file, Use.HOSTS);
    }

    public Loaded read(Path file, Use use) {
        String display = file.toString();
        Node root = compose(display, InventoryInput.read(file));
        List<Problem> problems = new ArrayList<>();
        SecretResolver resolver = new SecretResolver(file.toAbsolutePath().getParent(), environment, use);
        Inventory inventory = inventory(file, new YamlCursor(display, root, "", problems), resolver);
        problems.sort(Comparator.comparing(Problem::location, Location.ORDER));
        if (problems.stream().anyMatch(p -> p.severity() == Problem.Severity.ERROR)) {
            throw new BadInputException(problems);
        }
        return new Loaded(inventory, List.copyOf(problems));
    }

    private static Node compose(String display, String text) {
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true); // reported by us, with a location
            Yaml yaml = new Yaml(new SafeConstructor(options));
            List<Node> docs = new ArrayList<>();
            yaml.composeAll(new StringReader(text)).forEach(docs::add);
            if (docs.size() != 1) {
                throw new BadInputException(Location.file(display), docs.isEmpty()
                        ? "the inventory is empty; see inventory.example.yaml"
                        : "the inventory must be one YAML document, found " + docs.size());
            }
            return docs.get(0);
        } catch (MarkedYAMLException e) {
            var m = e.getProblemMark();
            throw new BadInputException(new Location.InFile(display, m.getLine() + 1, m.getColumn() + 1, null),
                    "not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new BadInputException(Location.file(display), "not valid YAML: " + e.getMessage());
        }
    }

    private static Inventory inventory(Path file, YamlCursor root, SecretResolver resolver) {
        Map<String, YamlCursor> top = root.fields(TOP_KEYS);
        Optional.ofNullable(top.get("apiVersion")).flatMap(YamlCursor::string).ifPresent(v -> {
            if (!API_VERSION.equals(v)) top.get("apiVersion").error("expected '" + API_VERSION + "'");
        });
        Optional.ofNullable(top.get("kind")).flatMap(YamlCursor::string).ifPresent(v -> {
            if (!"Inventory".equals(v)) top.get("kind").error("expected 'Inventory'");
        });
        SshSection ssh = new SshSection(resolver);
        SshSection.Draft sshDefaults = top.containsKey("ssh") ? ssh.parse(top.get("ssh")) : SshSection.Draft.EMPTY;
        HostsSection hostsSection = new HostsSection(ssh);
        List<HostsSection.Entry> hosts = new ArrayList<>();
        if (!top.containsKey("hosts")) {
            root.error("missing 'hosts': list the machines of the cluster (see inventory.example.yaml)");
        } else {
            List<YamlCursor> items = top.get("hosts").items();
            for (YamlCursor item : items) {
                hosts.addAll(hostsSection.parse(item, sshDefaults));
            }
            if (items.isEmpty()) {
                top.get("hosts").error("no hosts listed");
            }
        }
        ClusterSection.Parsed parsed = top.containsKey("cluster") ? ClusterSection.parse(top.get("cluster"), hosts, resolver)
                : new ClusterSection.Parsed(null, new EtcdSection.Parsed(EtcdSettings.STATIC_POD, root));
        ClusterSpec cluster = parsed.spec();
        if (!top.containsKey("cluster")) {
            root.error("missing 'cluster': give at least cluster.kubernetesVersion");
        }
        CrossChecks.check(cluster, parsed.etcd(), hosts, top.get("hosts") != null ? top.get("hosts") : root);
        return cluster == null ? null : new Inventory(file, cluster, hosts.stream().map(HostsSection.Entry::host).toList());
    }
}
