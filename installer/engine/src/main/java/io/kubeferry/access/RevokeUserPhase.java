package io.kubeferry.access;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.install.ClusterApi;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.UserCertificateRecords;
import io.kubeferry.pki.UserKubeconfigs;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code installer kubeconfig revoke NAME}: deletes the bindings {@code kubeconfig user} made for the user (found by
 * their labels, confirmed by the annotation holding the exact name), then says plainly that the client certificate
 * itself cannot be revoked and until when each recorded one stays valid. A second revoke finds nothing and says so.
 */
public final class RevokeUserPhase extends ClusterAccessPhase {
    private static final List<String> KINDS = List.of("ClusterRoleBinding", "RoleBinding");
    private final String userName;
    private final Clock clock;

    public RevokeUserPhase(ClusterApi api, String userName, Clock clock) {
        super(api);
        this.userName = userName;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "revoke-user";
    }

    @Override
    public String title() {
        return "Remove the bindings of user " + userName;
    }

    @Override
    public void validate(Inventory inventory) {
        adminConfMissing(inventory).ifPresent(p -> {
            throw new BadInputException(List.of(p));
        });
    }

    /** A binding made for the user: kind, namespace (null for a ClusterRoleBinding), name. */
    private record Made(String kind, String namespace, String name) {
        @Override
        public String toString() {
            return kind + " " + (namespace == null ? "" : namespace + "/") + name;
        }
    }

    private List<Made> find(KubeApi api) {
        List<Made> out = new ArrayList<>();
        for (String kind : KINDS) {
            for (GenericKubernetesResource o : api.list("rbac.authorization.k8s.io/v1", kind, null,
                    UserKubeconfigs.bindingLabels(userName))) {
                var annotations = o.getMetadata().getAnnotations();
                if (annotations != null && userName.equals(annotations.get(UserKubeconfigs.USER_ANNOTATION))) {
                    out.add(new Made(kind, o.getMetadata().getNamespace(), o.getMetadata().getName()));
                }
            }
        }
        return out;
    }

    @Override
    public void run(RunContext ctx) {
        try (KubeApi api = open(ctx)) {
            List<Made> made = find(api);
            for (Made m : made) {
                api.delete("rbac.authorization.k8s.io/v1", m.kind(), m.namespace(), m.name());
                ctx.changed(DryRunPlan.CLUSTER, "deleted " + m);
                ctx.console().info("    deleted " + m);
            }
            if (made.isEmpty()) {
                ctx.console().info("No bindings made by Kubeferry for user " + userName + ": nothing to remove.");
            }
        }
        certificateNote(ctx);
    }

    @Override
    public void dryRun(RunContext ctx) {
        List<Made> made;
        try (KubeApi api = open(ctx)) {
            made = find(api);
        }
        if (made.isEmpty()) {
            ctx.console().info("No bindings made by Kubeferry for user " + userName + ": nothing to remove.");
        }
        made.forEach(m -> ctx.plan().change(DryRunPlan.CLUSTER, name(), "delete " + m));
        certificateNote(ctx);
    }

    private void certificateNote(RunContext ctx) {
        Instant now = clock.instant();
        List<UserCertificateRecords.Issued> valid = UserCertificateRecords.issued(ctx.inventory(), userName).stream()
                .filter(i -> i.notAfter().isAfter(now)).toList();
        ctx.console().info("Note: a client certificate cannot be revoked (Kubernetes checks no revocation list): the"
                + " certificates issued to " + userName + " stay valid until they expire; without bindings they grant"
                + " only what other bindings give the user or the groups in them.");
        if (valid.isEmpty()) {
            ctx.console().info("    no unexpired certificate of " + userName + " is recorded in "
                    + UserCertificateRecords.directory(ctx.inventory(), userName)
                    + " (one made elsewhere or before Kubeferry kept records would not be)");
        }
        for (UserCertificateRecords.Issued i : valid) {
            ctx.console().info("    certificate serial " + i.serial() + (i.groups().isEmpty() ? "" : ", groups "
                    + String.join(",", i.groups())) + ": valid until " + i.notAfter() + " (" + ListTokensPhase.ttl(i.notAfter(), now) + " left)");
        }
    }
}
