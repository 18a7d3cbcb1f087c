package io.kubeferry.plan;

import io.kubeferry.host.HostFile;
import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.component.ImageSet;
import io.kubeferry.files.StateLock;
import io.kubeferry.host.HostFacts;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.pki.CaKind;
import io.kubeferry.pki.PkiLayout;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;
import io.kubeferry.render.RenderInputs;
import io.kubeferry.render.RenderService;
import io.kubeferry.render.RenderedCluster;
import io.kubeferry.render.TemplateSource;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the inventory (+ the facts gathered from hosts, + the bundle) into the {@link ClusterPlan}: the PKI
 * in the state directory made or brought up to date (idempotent), the cluster CA and external-CA mode read
 * from it, the image names from the bundle, and every component rendered. {@code render}, {@code certs} and
 * the install all go through here.
 */
public final class ClusterPlanner {
    private final PkiService pki;
    private final TemplateSource templates;
    private final Optional<InstallerBundle> bundle;

    public ClusterPlanner(PkiService pki, TemplateSource templates, Optional<InstallerBundle> bundle) {
        this.pki = pki;
        this.templates = templates;
        this.bundle = bundle;
    }

    /** The planner for this installer: the bundle's templates and images when it runs from a bundle. */
    public static ClusterPlanner forThisInstaller(PkiService pki, Optional<java.nio.file.Path> templatesOverride) {
        Optional<InstallerBundle> bundle = InstallerBundle.current();
        TemplateSource source = templatesOverride.map(TemplateSource::directory)
                .or(() -> bundle.map(b -> TemplateSource.directory(b.templates())))
                .orElseGet(TemplateSource::builtIn);
        return new ClusterPlanner(pki, source, bundle);
    }

    /**
     * Creates what is missing in the PKI, regenerates what is stale, keeps the rest (local files only), under the
     * state directory's lock, which the caller holds for its whole command.
     */
    public PkiReport certificates(Inventory inventory, StateLock lock) {
        return pki.generate(inventory, lock);
    }

    /**
     * The whole plan. The PKI must exist ({@link #certificates} first): the cluster CA goes into cluster-info
     * and every kubeconfig.
     *
     * @param facts per host name, what was gathered on it (empty for a render without hosts)
     */
    public ClusterPlan plan(Inventory inventory, Map<String, HostFacts> facts) {
        Map<String, List<HostFile>> pkiFiles = new LinkedHashMap<>();
        for (Host h : inventory.hosts()) {
            pkiFiles.put(h.name(), pki.filesFor(inventory, h));
        }
        RenderInputs inputs = RenderInputs.none()
                .withClusterCa(clusterCa(pkiFiles.get(inventory.controlPlanes().get(0).name())))
                .withExternalCa(externalCa(inventory))
                .withEtcdJoins(EtcdJoins.read(inventory))
                .withEtcdFirstCluster(EtcdJoins.readFirst(inventory));
        Optional<ImageSet> images = bundleImages(inventory);
        if (images.isPresent()) {
            inputs = inputs.withImages(images.get());
        }
        for (Map.Entry<String, HostFacts> f : facts.entrySet()) {
            if (inventory.host(f.getKey()).isEmpty()) {
                continue; // gathered before the inventory was narrowed (remove-node)
            }
            inputs = inputs.withHostFacts(f.getKey(), f.getValue());
        }
        RenderedCluster rendered = new RenderService(templates).renderAll(inventory, inputs);
        return new ClusterPlan(inventory, rendered, pkiFiles);
    }

    /**
     * Checks what the plan reads besides the inventory (the bundle's images against its Kubernetes version)
     * before anything is written: call it before {@link #certificates}.
     */
    public void checkInputs(Inventory inventory) {
        bundleImages(inventory);
    }

    /** The image names the bundle carries, for this inventory; empty outside a bundle (the defaults are used). */
    private Optional<ImageSet> bundleImages(Inventory inventory) {
        return bundle.map(b -> ImageSet.fromList(inventory.cluster(),
                b.manifest().images().stream().map(BundleManifest.ImageEntry::name).toList(),
                b.dir().resolve("bundle.yaml").toString()));
    }

    private static byte[] clusterCa(List<HostFile> controlPlaneFiles) {
        return controlPlaneFiles.stream().filter(f -> f.path().equals(PkiLayout.hostCertPath(CaKind.KUBERNETES.baseName())))
                .findFirst().orElseThrow(() -> new IllegalStateException("the PKI has no cluster CA certificate"))
                .content();
    }

    /** The operator keeps the CA key: the controller-manager then signs nothing (kubeadm's external CA mode). */
    private static boolean externalCa(Inventory inventory) {
        PkiLayout layout = PkiLayout.of(inventory);
        return Files.isRegularFile(layout.caCert(CaKind.KUBERNETES)) && !Files.exists(layout.caKey(CaKind.KUBERNETES));
    }
}
