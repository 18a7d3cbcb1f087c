package io.kubeferry.access;

import io.kubeferry.errors.Problem;
import io.kubeferry.install.ClusterApi;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A phase that works on the running cluster through its API with the state directory's admin.conf (tokens, user
 * bindings): reached as the install reaches it ({@link ClusterApi}: the endpoint, or an SSH tunnel with
 * {@code --api-through-ssh}); it needs its command's arguments, so it is not offered by {@code installer phase}.
 */
abstract class ClusterAccessPhase implements Phase {
    static final String ADMIN_CONF = "admin.conf";
    private final ClusterApi api;

    ClusterAccessPhase(ClusterApi api) {
        this.api = api;
    }

    KubeApi open(RunContext ctx) {
        return api.open(ctx, ADMIN_CONF);
    }

    /** admin.conf must be in the state directory: the cluster was installed (or its PKI generated) from here. */
    static Optional<Problem> adminConfMissing(Inventory inventory) {
        Path adminConf = ClusterApi.kubeconfig(inventory, ADMIN_CONF);
        return Files.isRegularFile(adminConf) ? Optional.empty() : Optional.of(Problem.error(adminConf.toString(),
                "no admin.conf: this command works on a cluster installed from this inventory ('installer apply')"));
    }

    static void addAdminConfCheck(Inventory inventory, List<Problem> problems) {
        adminConfMissing(inventory).ifPresent(problems::add);
    }

    @Override
    public boolean usesSsh() {
        return api.throughSsh();
    }

    @Override
    public boolean runsAlone() {
        return false;
    }
}
