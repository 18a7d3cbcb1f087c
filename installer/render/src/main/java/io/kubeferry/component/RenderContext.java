package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.host.HostFacts;
import io.kubeferry.inventory.Addresses;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.Role;
import io.kubeferry.render.TemplateEngine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.Collections;
import java.util.stream.Collectors;

/**
 * Everything a component renders from: the inventory, the images, installer settings and the template engine.
 * It turns the model into the plain maps templates see, so templates never touch Java objects. The model is
 * built once (rendering is then linear in the number of hosts) and never changed: each render gets a copy of
 * its top level.
 */
public final class RenderContext {
    /** Components whose extra args templates may look up; each is always present (empty when not given). */
    public static final List<String> ARG_COMPONENTS = List.of("kube-apiserver", "kube-controller-manager",
            "kube-scheduler", "etcd", "kubelet", "kube-proxy");

    private final Inventory inventory;
    private final ImageSet images;
    private final RenderSettings settings;
    private final TemplateEngine templates;
    private final Optional<byte[]> clusterCaPem;
    private final Set<String> etcdMemberNames;
    private final Map<String, String> etcdJoins;
    private final Optional<String> etcdFirstCluster;
    private final Map<String, HostFacts> hostFacts;
    private final boolean externalCa;
    private final Map<String, Map<String, Object>> hostModels = new LinkedHashMap<>();
    private final Map<String, Object> baseModel;

    /** @param clusterCaPem the cluster CA certificate (public), when the PKI exists; needed for cluster-info only */
    public RenderContext(Inventory inventory, ImageSet images, RenderSettings settings, TemplateEngine templates,
                         Optional<byte[]> clusterCaPem) {
        this(inventory, images, settings, templates, clusterCaPem, Map.of());
    }

    /** @param hostFacts facts per host name; hosts without an entry get {@link HostFacts#unknown()} */
    public RenderContext(Inventory inventory, ImageSet images, RenderSettings settings, TemplateEngine templates,
                         Optional<byte[]> clusterCaPem, Map<String, HostFacts> hostFacts) {
        this(inventory, images, settings, templates, clusterCaPem, hostFacts, false);
    }

    /**
     * @param externalCa the cluster CA's key is not ours (ca.crt without ca.key): the controller-manager gets
     *                   empty signing flags, as kubeadm renders it
     */
    public RenderContext(Inventory inventory, ImageSet images, RenderSettings settings, TemplateEngine templates,
                         Optional<byte[]> clusterCaPem, Map<String, HostFacts> hostFacts, boolean externalCa) {
        this(inventory, images, settings, templates, clusterCaPem, hostFacts, externalCa, Map.of(), Optional.empty());
    }

    /**
     * @param etcdJoins per etcd member added to a running cluster, the initial-cluster string it joined with (see
     *                  {@link io.kubeferry.render.RenderInputs#etcdJoins()})
     * @param etcdFirstCluster the first install's recorded initial cluster ({@link io.kubeferry.render.RenderInputs#etcdFirstCluster()})
     */
    public RenderContext(Inventory inventory, ImageSet images, RenderSettings settings, TemplateEngine templates,
                         Optional<byte[]> clusterCaPem, Map<String, HostFacts> hostFacts, boolean externalCa,
                         Map<String, String> etcdJoins, Optional<String> etcdFirstCluster) {
        this.externalCa = externalCa;
        this.etcdJoins = Map.copyOf(etcdJoins);
        this.etcdFirstCluster = etcdFirstCluster;
        this.hostFacts = Map.copyOf(hostFacts);
        this.inventory = inventory;
        this.images = images;
        this.settings = settings;
        this.templates = templates;
        this.clusterCaPem = clusterCaPem.map(byte[]::clone);
        this.etcdMemberNames = inventory.etcdMembers().stream().map(Host::name).collect(Collectors.toUnmodifiableSet());
        for (Host h : inventory.hosts()) {
            hostModels.put(h.name(), Collections.unmodifiableMap(buildHostModel(h)));
        }
        this.baseModel = Collections.unmodifiableMap(buildClusterModel());
    }

    public Inventory inventory() {
        return inventory;
    }

    public ImageSet images() {
        return images;
    }

    public RenderSettings settings() {
        return settings;
    }

    public TemplateEngine templates() {
        return templates;
    }

    /** True when the cluster CA is external (its key stays with the operator). */
    public boolean externalCa() {
        return externalCa;
    }

    public Optional<byte[]> clusterCaPem() {
        return clusterCaPem.map(byte[]::clone);
    }

    public ClusterSpec cluster() {
        return inventory.cluster();
    }

    /** Renders a template with the cluster model (no host). */
    public String render(String template) {
        return templates.render(template, clusterModel());
    }

    /** Renders a template with the cluster model plus {@code host}. */
    public String render(String template, Host host) {
        Map<String, Object> m = clusterModel();
        m.put("host", hostModel(host));
        return templates.render(template, m);
    }

    public HostFile file(String path, int mode, String template, Host host) {
        return HostFile.text(path, render(template, host), mode);
    }

    /** The model every template sees (a fresh top level, so a caller may add keys); see templates/README.md. */
    public Map<String, Object> clusterModel() {
        return new LinkedHashMap<>(baseModel);
    }

    /** The model of one host, as templates see {@code host}. */
    public Map<String, Object> hostModel(Host h) {
        Map<String, Object> m = hostModels.get(h.name());
        if (m == null) {
            throw new IllegalArgumentException("host " + h.name() + " is not in the inventory");
        }
        return m;
    }

    private Map<String, Object> buildClusterModel() {
        ClusterSpec c = cluster();
        ControlPlaneEndpoint ep = c.controlPlaneEndpoint();
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("name", c.name());
        cluster.put("version", c.kubernetesVersion().toString());
        cluster.put("versionTag", c.kubernetesVersion().tag());
        cluster.put("minor", c.kubernetesVersion().minor());
        cluster.put("imageRepository", c.imageRepository());
        Map<String, Object> endpoint = new LinkedHashMap<>();
        endpoint.put("host", ep.host());
        endpoint.put("port", ep.port());
        endpoint.put("url", io.kubeferry.inventory.ApiServerUrls.forCluster(inventory));
        endpoint.put("hostPort", Addresses.hostPort(ep.host(), ep.port()));
        endpoint.put("mode", ep.mode().yamlName());
        endpoint.put("localProxy", ep.mode() == ControlPlaneEndpoint.Mode.LOCAL_PROXY);
        cluster.put("endpoint", endpoint);
        cluster.put("apiServerPort", ControlPlaneEndpoint.DEFAULT_PORT);
        cluster.put("serviceSubnet", c.networking().serviceSubnet().toString());
        cluster.put("podSubnet", c.networking().podSubnet() == null ? "" : c.networking().podSubnet().toString());
        cluster.put("hasPodSubnet", c.networking().podSubnet() != null);
        cluster.put("dnsDomain", c.networking().dnsDomain());
        cluster.put("dnsServiceIp", c.networking().dnsServiceIp());
        cluster.put("apiServerServiceIp", c.networking().apiServerServiceIp());
        cluster.put("cni", c.networking().cni().yamlName());
        cluster.put("keyAlgorithm", c.certificates().keyAlgorithm().yamlName());
        cluster.put("certValidity", goDuration(c.certificates().certValidity()));
        cluster.put("caValidity", goDuration(c.certificates().caValidity()));
        cluster.put("certSans", c.certificates().apiServerCertSans());

        Map<String, Object> etcd = new LinkedHashMap<>();
        etcd.put("tag", images.etcdTag());
        etcd.put("atLeast36", images.etcdAtLeast36());
        List<Map<String, Object>> members = new ArrayList<>();
        List<String> initial = new ArrayList<>();
        List<String> clientUrls = new ArrayList<>();
        for (Host h : inventory.etcdMembers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("address", h.internalAddress());
            m.put("peerUrl", Addresses.httpsUrl(h.internalAddress(), 2380));
            m.put("clientUrl", Addresses.httpsUrl(h.internalAddress(), 2379));
            members.add(m);
            initial.add(h.name() + "=" + m.get("peerUrl"));
            clientUrls.add((String) m.get("clientUrl"));
        }
        etcd.put("members", members);
        etcd.put("initialCluster", String.join(",", initial));
        etcd.put("clientUrls", String.join(",", clientUrls));
        etcd.put("mode", c.etcd().mode().yamlName());
        etcd.put("apiServerUrls", c.etcd().external().map(e -> String.join(",", e.endpoints()))
                .orElse(String.join(",", clientUrls)));

        Map<String, Object> extraArgs = new TreeMap<>();
        for (String comp : ARG_COMPONENTS) {
            extraArgs.put(comp, new TreeMap<>(c.extraArgsFor(comp)));
        }
        c.extraArgs().forEach((comp, args) -> extraArgs.putIfAbsent(comp, new TreeMap<>(args)));

        Map<String, Object> settingsModel = new LinkedHashMap<>();
        settingsModel.put("binDir", settings.binDir());
        settingsModel.put("criSocket", settings.criSocket());
        settingsModel.put("hasRegistryMirror", settings.registryMirror() != null);
        settingsModel.put("registryMirror", settings.registryMirror() == null ? "" : settings.registryMirror());
        settingsModel.put("pullServer", settings.registryMirror() == null ? RenderSettings.NO_PULL_SERVER
                : settings.registryMirror());
        settingsModel.put("upstreamRegistries", settings.upstreamRegistries());

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cluster", cluster);
        root.put("images", images.toModel());
        root.put("etcd", etcd);
        root.put("controlPlanes", inventory.controlPlanes().stream().map(this::hostModel).toList());
        root.put("workers", inventory.workers().stream().map(this::hostModel).toList());
        root.put("extraArgs", extraArgs);
        root.put("settings", settingsModel);
        root.put("hasClusterCa", clusterCaPem.isPresent());
        root.put("externalCa", externalCa);
        root.put("clusterCaBase64", clusterCaPem.map(b -> Base64.getEncoder().encodeToString(b)).orElse(""));
        return root;
    }

    private Map<String, Object> buildHostModel(Host h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", h.name());
        m.put("address", h.address());
        m.put("internalAddress", h.internalAddress());
        m.put("isControlPlane", h.isControlPlane());
        m.put("isWorker", h.has(Role.WORKER));
        m.put("isEtcdMember", etcdMemberNames.contains(h.name()));
        // A member that joined a running cluster keeps the initial cluster it was added with and state "existing";
        // the first install's members (no join record) start together, "new", with the members of that install.
        // Either way a running member's flags never change when members come or go (no restart on re-apply; etcd
        // reads these flags only on its first start anyway).
        String joined = etcdJoins.get(h.name());
        m.put("etcdInitialCluster", joined != null ? joined : firstInstallInitialCluster());
        m.put("etcdInitialClusterState", joined != null ? "existing" : "new");
        m.put("labels", new TreeMap<>(h.labels()));
        m.put("taints", h.taints().stream().map(Object::toString).toList());
        m.put("localApiServerUrl", h.isControlPlane() ? io.kubeferry.inventory.ApiServerUrls.forControlPlaneComponent(inventory, h) : "");
        HostFacts facts = hostFacts.getOrDefault(h.name(), HostFacts.unknown());
        m.put("resolvConf", facts.kubeletResolvConf().orElse(""));
        return m;
    }

    /**
     * The initial cluster of the members that did not join later: those that started together, "new". As recorded once
     * the cluster ran (so that removing one of them changes nothing on the others), else made from the inventory.
     */
    private String firstInstallInitialCluster() {
        return etcdFirstCluster.orElseGet(() -> inventory.etcdMembers().stream().filter(h -> !etcdJoins.containsKey(h.name()))
                .map(h -> h.name() + "=" + Addresses.httpsUrl(h.internalAddress(), 2380))
                .collect(Collectors.joining(",")));
    }

    /** Go's time.Duration format as kubeadm writes it, e.g. {@code 8760h0m0s}. */
    static String goDuration(Duration d) {
        long s = d.getSeconds();
        return (s / 3600) + "h" + (s % 3600 / 60) + "m" + (s % 60) + "s";
    }
}
