package io.kubeferry.install;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.plan.ClusterPlan;
import io.kubeferry.plan.ClusterPlanner;
import io.kubeferry.plan.InstallerBundle;

import java.util.Optional;

/**
 * What the phases of one {@code apply} share: the bundle the installer runs from, the planner, and the cluster
 * plan the plan phase makes once the hosts' facts are known. One per run; phases read it in order.
 */
public final class InstallRun {
    private final Optional<InstallerBundle> bundle;
    private final ClusterPlanner planner;
    private final boolean fixHosts;
    private final FileDistributor distributor;
    private final ClusterApi api;
    private volatile ClusterPlan plan;

    /**
     * @param fixHosts apply the safe preflight fixes (swap off, SELinux permissive); false: only report ({@code --no-fix})
     */
    public InstallRun(Optional<InstallerBundle> bundle, ClusterPlanner planner, boolean fixHosts, FileDistributor distributor,
                      ClusterApi api) {
        this.api = api;
        this.bundle = bundle;
        this.planner = planner;
        this.fixHosts = fixHosts;
        this.distributor = distributor;
    }

    /**
     * For this installer: the bundle it runs from, its templates and images, the state directory's PKI.
     *
     * @param apiThroughSsh reach the API through an SSH tunnel to a control plane even when it answers directly
     */
    public static InstallRun forThisInstaller(boolean fixHosts, boolean apiThroughSsh) {
        return forBundle(InstallerBundle.current(), fixHosts, apiThroughSsh);
    }

    /** As {@link #forThisInstaller}, with the bundle given (empty: none; {@link #checkBundle} then says so). */
    public static InstallRun forBundle(Optional<InstallerBundle> bundle, boolean fixHosts, boolean apiThroughSsh) {
        // the templates of that very bundle (upgrade and `phase --bundle` name another than the installer's own)
        io.kubeferry.render.TemplateSource templates = bundle.map(b -> io.kubeferry.render.TemplateSource.directory(b.templates()))
                .orElseGet(io.kubeferry.render.TemplateSource::builtIn);
        return new InstallRun(bundle, new ClusterPlanner(new io.kubeferry.pki.PkiService(), templates, bundle), fixHosts,
                new RelayDistributor(), new ClusterApi(apiThroughSsh));
    }

    /** How the installer reaches the cluster's API. */
    public ClusterApi api() {
        return api;
    }

    /** The bundle; apply needs one (its binaries and images), which {@link #checkBundle} made sure of. */
    public InstallerBundle bundle() {
        return bundle.orElseThrow(() -> new IllegalStateException("apply runs from a bundle"));
    }

    public boolean hasBundle() {
        return bundle.isPresent();
    }

    public ClusterPlanner planner() {
        return planner;
    }

    public boolean fixHosts() {
        return fixHosts;
    }

    public FileDistributor distributor() {
        return distributor;
    }

    public ClusterPlan plan() {
        if (plan == null) {
            throw new IllegalStateException("the cluster plan is made by the plan phase, which has not run");
        }
        return plan;
    }

    public boolean hasPlan() {
        return plan != null;
    }

    void setPlan(ClusterPlan plan) {
        this.plan = plan;
    }

    /**
     * The inventory against the bundle, before anything is written: there is a bundle, it carries the
     * inventory's Kubernetes version and the images the files name.
     */
    public void checkBundle(Inventory inventory) {
        if (bundle.isEmpty()) {
            throw new BadInputException(InstallerBundle.defaultDirectory().toString(), "no bundle here (no bundle.yaml"
                    + " and templates/ next to installer.jar): apply installs the bundle's binaries and images; run it"
                    + " as ./install from an unpacked bundle, or name the bundle with -D" + InstallerBundle.DIR_PROPERTY + "=DIR");
        }
        InstallerBundle b = bundle.get();
        String want = inventory.cluster().kubernetesVersion().toString();
        if (!b.manifest().kubernetesVersion().equals(want)) {
            throw new BadInputException(inventory.source() + " (cluster.kubernetesVersion)", "the inventory asks for"
                    + " Kubernetes " + want + " but this bundle carries " + b.manifest().kubernetesVersion()
                    + "; set cluster.kubernetesVersion: " + b.manifest().kubernetesVersion() + " or use the bundle for " + want);
        }
        planner.checkInputs(inventory);
    }
}
