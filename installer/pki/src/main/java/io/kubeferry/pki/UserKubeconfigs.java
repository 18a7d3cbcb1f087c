package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.Inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Tenant kubeconfigs ({@code installer kubeconfig user}): a client certificate signed by the cluster CA for
 * a user and groups, pointing at the control-plane endpoint, plus the RBAC binding to apply for it.
 */
public final class UserKubeconfigs {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** Groups that bypass or imitate cluster roles; a tenant credential must not carry them. */
    private static final Set<String> RESERVED_GROUPS = Set.of(PkiPlan.MASTERS_GROUP, PkiPlan.NODES_GROUP,
            PkiPlan.CLUSTER_ADMINS_GROUP);

    private final Clock clock;

    public UserKubeconfigs() {
        this(Clock.systemUTC());
    }

    public UserKubeconfigs(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param content        the kubeconfig file (write it 0600)
     * @param notAfter       when its client certificate expires (clamped to the CA's expiry)
     * @param server         the API server it points at ({@link PkiPlan#serverForOutsideClients})
     * @param note           what to tell the user about the server, or null (local-proxy mode: a control plane's address)
     * @param certificatePem the client certificate alone (public), for {@link UserCertificateRecords}
     */
    public record UserKubeconfig(String userName, byte[] content, Instant notAfter, String contextName, String server,
                                 String note, byte[] certificatePem) {
    }

    /**
     * @param namespace default namespace of the context, or null
     * @throws BadInputException for a bad name, group or validity, or when the CA key is not in the state
     *                           directory (not generated yet, or an external CA)
     */
    public UserKubeconfig create(Inventory inventory, String userName, List<String> groups, Duration validity,
                                 String namespace) {
        SigningCa signing = check(inventory, userName, groups, validity, namespace);
        CertFacts ca = signing.ca();
        PrivateKey caKey = signing.key();
        Instant now = clock.instant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(ca.notAfter())) {
            notAfter = ca.notAfter();
        }
        CertSpec spec = new CertSpec("user:" + userName, userName, null, CaKind.KUBERNETES, userName, groups,
                Set.of(ExtKeyUsage.CLIENT_AUTH), List.of(), List.of());
        KeyPair keys = Keys.generate(inventory.cluster().certificates().keyAlgorithm(), new SecureRandom());
        var cert = new CertIssuer(new SecureRandom()).leaf(spec, keys.getPublic(),
                new CertIssuer.Authority(ca.holder(), caKey), now.minus(PkiService.BACKDATE), notAfter);
        String clusterName = inventory.cluster().name();
        String server = PkiPlan.serverForOutsideClients(inventory);
        String note = server.equals(io.kubeferry.inventory.ApiServerUrls.forCluster(inventory)) ? null
                : "server " + server + " is the first control plane's address: the endpoint "
                        + inventory.cluster().controlPlaneEndpoint().host() + " (local proxy) resolves only on the nodes";
        byte[] content = Kubeconfigs.render(clusterName, server, Pem.encodeCertificate(ca.holder()),
                userName, Pem.encodeCertificate(cert), Pem.encodePrivateKey(keys), namespace);
        if (note != null) {
            content = ("# " + note + "\n" + new String(content, java.nio.charset.StandardCharsets.UTF_8))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return new UserKubeconfig(userName, content, notAfter, userName + "@" + clusterName, server, note,
                Pem.encodeCertificate(cert));
    }

    /** The cluster CA that signs user certificates: its certificate and key from the state directory. */
    private record SigningCa(CertFacts ca, PrivateKey key) {
    }

    /**
     * Every check {@link #create} makes, without signing anything: a command calls it before it changes anything.
     *
     * @throws BadInputException naming each problem
     */
    public void validate(Inventory inventory, String userName, List<String> groups, Duration validity, String namespace) {
        check(inventory, userName, groups, validity, namespace);
    }

    private SigningCa check(Inventory inventory, String userName, List<String> groups, Duration validity, String namespace) {
        List<Problem> problems = new ArrayList<>();
        if (userName == null || userName.isBlank() || userName.chars().anyMatch(c -> c < 0x20)) {
            problems.add(Problem.error("--name", "give a user name without control characters"));
        } else if (userName.contains("/") || userName.contains("%")) {
            problems.add(Problem.error("--name", "'" + userName + "' cannot name the user's RBAC bindings: leave out '/' and '%'"));
        } else if (userName.startsWith("system:")) {
            problems.add(Problem.error("--name", "'" + userName + "' is in the reserved system: namespace; choose another name"));
        }
        for (String g : groups) {
            if (RESERVED_GROUPS.contains(g)) {
                problems.add(Problem.error("--group", "'" + g + "' grants cluster-wide powers; a tenant kubeconfig "
                        + "cannot carry it (use admin.conf, or bind a ClusterRole with --cluster-role)"));
            } else if (g.isBlank() || g.chars().anyMatch(c -> c < 0x20)) {
                problems.add(Problem.error("--group", "group names must be non-empty without control characters"));
            }
        }
        if (validity == null || validity.isNegative() || validity.isZero()) {
            problems.add(Problem.error("--valid", "give a positive validity such as 720h"));
        }
        if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
            problems.add(Problem.error("--namespace", "'" + namespace + "' is not a valid namespace name (RFC 1123 label)"));
        }
        PkiService.checkPrivate(inventory);
        PkiLayout layout = PkiLayout.of(inventory);
        CertFacts ca = null;
        PrivateKey caKey = null;
        try {
            if (!Files.exists(layout.caKey(CaKind.KUBERNETES))) {
                problems.add(Problem.error(layout.caKey(CaKind.KUBERNETES).toString(), Files.exists(layout.caCert(CaKind.KUBERNETES))
                        ? "the cluster CA is external (no key here); sign user certificates with your CA"
                        : "no cluster CA yet; run 'installer certs generate' first"));
            } else {
                ca = CertFacts.of(Pem.readCertificate(Files.readAllBytes(layout.caCert(CaKind.KUBERNETES))));
                caKey = Pem.readPrivateKey(Files.readAllBytes(layout.caKey(CaKind.KUBERNETES)));
                if (ca.expiredAt(clock.instant())) {
                    problems.add(Problem.error(layout.caCert(CaKind.KUBERNETES).toString(), "the CA expired on " + ca.notAfter()));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            problems.add(Problem.error(layout.caCert(CaKind.KUBERNETES).toString(), "cannot read the cluster CA: " + e.getMessage()));
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
        return new SigningCa(ca, caKey);
    }

    /** Labels every binding made for a user carries; {@code kubeconfig revoke} finds them by these. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String USER_LABEL = "kubeferry.io/user";
    /** The exact user name (a label value cannot hold every name: {@link #userLabelValue}). */
    public static final String USER_ANNOTATION = "kubeferry.io/user";
    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

    /**
     * One grant to a user: a ClusterRoleBinding (namespace null, a ClusterRole), or a RoleBinding in a namespace to a
     * ClusterRole or to a Role of that namespace.
     */
    public record Binding(String namespace, boolean toClusterRole, String role) {
        public String kind() {
            return namespace == null ? "ClusterRoleBinding" : "RoleBinding";
        }

        /** {@code kubeferry:user:<user>:<clusterrole>}, or {@code ...:role:<role>} for a Role (both may be in one namespace). */
        public String name(String userName) {
            return "kubeferry:user:" + userName + ":" + (toClusterRole ? "" : "role:") + role;
        }

        /** e.g. {@code RoleBinding team-a/kubeferry:user:alice:edit (ClusterRole edit)}. */
        public String describe(String userName) {
            return kind() + " " + (namespace == null ? "" : namespace + "/") + name(userName) + " ("
                    + (toClusterRole ? "ClusterRole " : "Role ") + role + ")";
        }
    }

    /** The user name as a label value: itself when it is one, else {@code h-} and 40 hex digits of its SHA-256. */
    public static String userLabelValue(String userName) {
        if (LABEL_VALUE.matcher(userName).matches()) {
            return userName;
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(userName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "h-" + java.util.HexFormat.of().formatHex(d).substring(0, 40);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The labels of the bindings made for a user. */
    public static java.util.Map<String, String> bindingLabels(String userName) {
        return java.util.Map.of(MANAGED_BY_LABEL, "kubeferry", USER_LABEL, userLabelValue(userName));
    }

    /** The RoleBinding or ClusterRoleBinding of one grant, labelled and annotated with the user. */
    public static String bindingYaml(String userName, Binding binding) {
        StringBuilder y = new StringBuilder();
        y.append("apiVersion: rbac.authorization.k8s.io/v1\n");
        y.append("kind: ").append(binding.kind()).append('\n');
        y.append("metadata:\n");
        y.append("  name: ").append(Kubeconfigs.q(binding.name(userName))).append('\n');
        if (binding.namespace() != null) {
            y.append("  namespace: ").append(Kubeconfigs.q(binding.namespace())).append('\n');
        }
        y.append("  labels:\n");
        new java.util.TreeMap<>(bindingLabels(userName)).forEach((k, v) ->
                y.append("    ").append(k).append(": ").append(Kubeconfigs.q(v)).append('\n'));
        y.append("  annotations:\n");
        y.append("    ").append(USER_ANNOTATION).append(": ").append(Kubeconfigs.q(userName)).append('\n');
        y.append("roleRef:\n");
        y.append("  apiGroup: rbac.authorization.k8s.io\n");
        y.append("  kind: ").append(binding.toClusterRole() ? "ClusterRole" : "Role").append('\n');
        y.append("  name: ").append(Kubeconfigs.q(binding.role())).append('\n');
        y.append("subjects:\n");
        y.append("- apiGroup: rbac.authorization.k8s.io\n");
        y.append("  kind: User\n");
        y.append("  name: ").append(Kubeconfigs.q(userName)).append('\n');
        return y.toString();
    }
}
