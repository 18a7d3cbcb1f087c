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
     * @param content  the kubeconfig file (write it 0600)
     * @param notAfter when its client certificate expires (clamped to the CA's expiry)
     */
    /**
     * @param server the API server it points at ({@link PkiPlan#serverForOutsideClients})
     * @param note   what to tell the user about the server, or null (local-proxy mode: a control plane's address)
     */
    public record UserKubeconfig(String userName, byte[] content, Instant notAfter, String contextName, String server,
                                 String note) {
    }

    /**
     * @param namespace default namespace of the context, or null
     * @throws BadInputException for a bad name, group or validity, or when the CA key is not in the state
     *                           directory (not generated yet, or an external CA)
     */
    public UserKubeconfig create(Inventory inventory, String userName, List<String> groups, Duration validity,
                                 String namespace) {
        List<Problem> problems = new ArrayList<>();
        if (userName == null || userName.isBlank() || userName.chars().anyMatch(c -> c < 0x20)) {
            problems.add(Problem.error("--name", "give a user name without control characters"));
        } else if (userName.startsWith("system:")) {
            problems.add(Problem.error("--name", "'" + userName + "' is in the reserved system: namespace; choose another name"));
        }
        for (String g : groups) {
            if (RESERVED_GROUPS.contains(g)) {
                problems.add(Problem.error("--group", "'" + g + "' grants cluster-wide powers; a tenant kubeconfig "
                        + "cannot carry it (use admin.conf, or bind a ClusterRole with --clusterrole)"));
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
        return new UserKubeconfig(userName, content, notAfter, userName + "@" + clusterName, server, note);
    }

    /**
     * The binding that gives the user a ClusterRole: a RoleBinding in {@code namespace}, or a
     * ClusterRoleBinding when namespace is null. Named {@code kubeferry:user:<name>}.
     */
    public static String bindingYaml(String userName, String namespace, String clusterRole) {
        String name = Kubeconfigs.q("kubeferry:user:" + userName + ":" + clusterRole);
        StringBuilder y = new StringBuilder();
        y.append("apiVersion: rbac.authorization.k8s.io/v1\n");
        y.append("kind: ").append(namespace == null ? "ClusterRoleBinding" : "RoleBinding").append('\n');
        y.append("metadata:\n");
        y.append("  name: ").append(name).append('\n');
        if (namespace != null) {
            y.append("  namespace: ").append(Kubeconfigs.q(namespace)).append('\n');
        }
        y.append("roleRef:\n");
        y.append("  apiGroup: rbac.authorization.k8s.io\n");
        y.append("  kind: ClusterRole\n");
        y.append("  name: ").append(Kubeconfigs.q(clusterRole)).append('\n');
        y.append("subjects:\n");
        y.append("- apiGroup: rbac.authorization.k8s.io\n");
        y.append("  kind: User\n");
        y.append("  name: ").append(Kubeconfigs.q(userName)).append('\n');
        return y.toString();
    }
}
