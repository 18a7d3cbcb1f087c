package io.kubeferry.access;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.install.ClusterApi;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.kube.tokens.BootstrapToken;
import io.kubeferry.kube.tokens.BootstrapTokens;
import io.kubeferry.pem.PemKeys;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.CaKind;
import io.kubeferry.pki.PkiLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code installer token create}: a new bootstrap token the kubeadm way ({@link BootstrapTokens}) and the
 * {@code kubeadm join} command that uses it. Not idempotent by nature: every run makes another token. The secret
 * is registered with the console (masked in every line and the log) and handed to the command only through
 * {@link #joinCommand()}, which it prints on the terminal alone.
 */
public final class CreateTokenPhase extends ClusterAccessPhase {
    /**
     * @param ttl 0: the token never expires
     */
    public record Request(Duration ttl, List<String> usages, List<String> groups, String description) {
        public Request {
            usages = List.copyOf(usages);
            groups = List.copyOf(groups);
        }
    }

    private final Request request;
    private final Clock clock;
    private volatile String joinCommand;
    private volatile BootstrapToken.Info created;

    public CreateTokenPhase(ClusterApi api, Request request, Clock clock) {
        super(api);
        this.request = request;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "create-token";
    }

    @Override
    public String title() {
        return "Bootstrap token: the Secret in kube-system and its signature in cluster-info";
    }

    @Override
    public void validate(Inventory inventory) {
        List<Problem> problems = new ArrayList<>(BootstrapTokens.check(request.usages(), request.groups(), "--usages", "--groups"));
        if (request.ttl().isNegative()) {
            problems.add(Problem.error("--ttl", "give a positive duration such as 24h, or 0 for a token that never expires"));
        }
        if (request.description().chars().anyMatch(c -> c < 0x20)) {
            problems.add(Problem.error("--description", "write the description on one line without control characters"));
        }
        addAdminConfCheck(inventory, problems);
        if (!Files.isRegularFile(caCertFile(inventory))) {
            problems.add(Problem.error(caCertFile(inventory).toString(), "no cluster CA certificate: the join command's"
                    + " --discovery-token-ca-cert-hash is made from it; run 'installer apply' first"));
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
    }

    @Override
    public void run(RunContext ctx) {
        Inventory inv = ctx.inventory();
        String caHash = BootstrapTokens.caCertHash(caCert(inv));
        BootstrapToken token = BootstrapToken.generate(new SecureRandom(), expires(), request.usages(), request.groups(),
                request.description());
        ctx.console().addSecret(token.secret());
        try (KubeApi api = open(ctx)) {
            BootstrapTokens.create(api, token);
        }
        boolean signs = request.usages().contains(BootstrapTokens.SIGNING);
        ctx.changed(DryRunPlan.CLUSTER, "bootstrap token " + token.id() + " created: Secret " + BootstrapTokens.NAMESPACE + "/"
                + BootstrapTokens.SECRET_PREFIX + token.id() + (signs ? ", " + BootstrapTokens.JWS_PREFIX + token.id()
                + " in ConfigMap " + BootstrapTokens.CLUSTER_INFO_NAMESPACE + "/" + BootstrapTokens.CLUSTER_INFO : ""));
        String note = endpointNote(inv);
        if (note != null) {
            ctx.console().info("note: " + note);
        }
        created = token.info();
        joinCommand = "kubeadm join " + endpoint(inv) + " --token " + token.reveal() + " --discovery-token-ca-cert-hash " + caHash;
    }

    /** The dry run reads cluster-info (a missing one fails as the run would) and lists the objects, without a token. */
    @Override
    public void dryRun(RunContext ctx) {
        boolean signs = request.usages().contains(BootstrapTokens.SIGNING);
        if (signs) {
            try (KubeApi api = open(ctx)) {
                BootstrapTokens.clusterInfoKubeconfig(api);
            }
        }
        Instant expires = expires();
        ctx.plan().change(DryRunPlan.CLUSTER, name(), "create Secret " + BootstrapTokens.NAMESPACE + "/"
                + BootstrapTokens.SECRET_PREFIX + "<new id> (type " + BootstrapTokens.SECRET_TYPE + "; token-id, token-secret:"
                + " new from the CSPRNG; expiration: " + (expires == null ? "none, never expires" : expires)
                + "; usages: " + String.join(",", request.usages())
                + (request.groups().isEmpty() ? "" : "; auth-extra-groups: " + String.join(",", request.groups()))
                + (request.description().isEmpty() ? "" : "; description: " + request.description()) + ")");
        if (signs) {
            ctx.plan().change(DryRunPlan.CLUSTER, name(), "add " + BootstrapTokens.JWS_PREFIX + "<new id> to ConfigMap "
                    + BootstrapTokens.CLUSTER_INFO_NAMESPACE + "/" + BootstrapTokens.CLUSTER_INFO
                    + " (detached HS256 JWS of its kubeconfig, keyed by the token)");
        }
    }

    private Instant expires() {
        return request.ttl().isZero() ? null : clock.instant().plus(request.ttl()).truncatedTo(ChronoUnit.SECONDS);
    }

    /** The command that joins a node with the new token, secret included: print it on the terminal only. Null before a run. */
    public String joinCommand() {
        return joinCommand;
    }

    /** The new token's public part; null before a run. */
    public BootstrapToken.Info created() {
        return created;
    }

    /** host:port of the control-plane endpoint, as kubeadm join takes it (cluster-info names the same server). */
    static String endpoint(Inventory inventory) {
        return inventory.controlPlaneUrl().replaceFirst("^https://", "");
    }

    /** What the join command's user should know about the endpoint, or null. */
    static String endpointNote(Inventory inventory) {
        ControlPlaneEndpoint e = inventory.cluster().controlPlaneEndpoint();
        return e.mode() == ControlPlaneEndpoint.Mode.LOCAL_PROXY ? "the endpoint " + e.host() + " is the local-proxy name:"
                + " the joining node must resolve it (an /etc/hosts line to a control plane's address) before kubeadm join" : null;
    }

    private static Path caCertFile(Inventory inventory) {
        return PkiLayout.of(inventory).caCert(CaKind.KUBERNETES);
    }

    private static X509Certificate caCert(Inventory inventory) {
        Path file = caCertFile(inventory);
        try {
            return PemKeys.certificates(Files.readAllBytes(file), file.toString()).get(0);
        } catch (IOException e) {
            throw io.kubeferry.files.LocalIoFailure.of(file, "read", e);
        }
    }
}
