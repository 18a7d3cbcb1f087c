package io.kubeferry.inventory;

import io.kubeferry.yaml.Suggest;
import io.kubeferry.yaml.YamlCursor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code cluster:} section: name, version, control-plane endpoint, networking, certificates, extra args.
 * Every rule the rendering and the PKI rely on is checked here, located, so that nothing is written for an
 * inventory that would be refused later.
 */
final class ClusterSection {
    static final Set<String> CLUSTER_KEYS = Set.of("name", "kubernetesVersion", "controlPlaneEndpoint", "networking",
            "certificates", "extraArgs", "imageRepository", "etcd");
    static final Set<String> ENDPOINT_KEYS = Set.of("address", "port", "mode");
    static final Set<String> NETWORKING_KEYS = Set.of("podSubnet", "serviceSubnet", "dnsDomain", "cni");
    static final Set<String> CERT_KEYS = Set.of("keyAlgorithm", "caValidity", "certValidity", "apiServerCertSANs",
            "kubeletClientValidity");
    /** Flags whose value other files depend on; "component flag". */
    static final Set<String> RESERVED_FLAGS = Set.of("kube-apiserver secure-port", "kube-apiserver advertise-address",
            "etcd listen-client-urls", "etcd advertise-client-urls");
    static final String DEFAULT_POD_SUBNET = "10.244.0.0/16";
    /** Flag names end up on command lines and in YAML lists: keep them to what a flag can be. */
    private static final Pattern FLAG_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]*");
    /** The kubelet's flags go into an environment file read by systemd: no quoting survives there. */
    private static final Pattern KUBELET_VALUE = Pattern.compile("[^\\s\"'$`\\\\]*");
    /** kube-controller-manager's node-cidr-mask-size defaults (IPv4, IPv6) and its limit on the difference. */
    private static final int NODE_MASK_IPV4 = 24;
    private static final int NODE_MASK_IPV6 = 64;
    private static final int MAX_NODE_MASK_DIFFERENCE = 16;

    private ClusterSection() {
    }

    /** The cluster (null when in error) and the etcd settings, read even when another part is in error. */
    record Parsed(ClusterSpec spec, EtcdSection.Parsed etcd) {
    }

    static Parsed parse(YamlCursor c, List<HostsSection.Entry> hosts, SecretResolver resolver) {
        Map<String, YamlCursor> f = c.fields(CLUSTER_KEYS);
        EtcdSection.Parsed etcd = EtcdSection.parse(f.get("etcd"), c, resolver);
        String name = Optional.ofNullable(f.get("name")).flatMap(YamlCursor::string).orElse("kubernetes");
        if (!Syntax.DNS_LABEL.matcher(name).matches() || name.length() > 63) {
            f.get("name").error("cluster name '" + name + "' must be a DNS label: lowercase letters, digits and '-'");
        }
        KubernetesVersion version = version(c, f.get("kubernetesVersion"));
        ControlPlaneEndpoint endpoint = endpoint(f.get("controlPlaneEndpoint"), c, hosts);
        YamlCursor networkingCursor = f.get("networking");
        Map<String, YamlCursor> net = networkingCursor == null ? Map.of() : networkingCursor.fields(NETWORKING_KEYS);
        Networking networking = networking(networkingCursor, net);
        CertificateOptions certs = f.containsKey("certificates") ? certificates(f.get("certificates")) : CertificateOptions.defaults();
        Map<String, Map<String, String>> extraArgs = f.containsKey("extraArgs") ? extraArgs(f.get("extraArgs")) : Map.of();
        if (networking != null) {
            checkNodeMask(networking.podSubnet(), extraArgs.getOrDefault("kube-controller-manager", Map.of()),
                    net.containsKey("podSubnet") ? net.get("podSubnet") : networkingCursor != null ? networkingCursor : c);
        }
        String imageRepository = Optional.ofNullable(f.get("imageRepository")).flatMap(YamlCursor::string)
                .orElse(ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
        if (etcd.mode() == EtcdSettings.Mode.EXTERNAL && f.containsKey("extraArgs")) {
            f.get("extraArgs").entries().entrySet().stream().filter(e -> e.getKey().equals("etcd")).forEach(e ->
                    e.getValue().error("extraArgs.etcd has no effect with an external etcd (Kubeferry does not run it);"
                            + " remove it"));
        }
        if (version == null || networking == null || endpoint == null || certs == null || etcd.settings() == null) {
            return new Parsed(null, etcd);
        }
        return new Parsed(new ClusterSpec(name, version, endpoint, networking, certs, extraArgs, imageRepository,
                etcd.settings()), etcd);
    }

    private static KubernetesVersion version(YamlCursor cluster, YamlCursor vc) {
        if (vc == null) {
            cluster.error("missing 'kubernetesVersion' (for example 1.34.1); it must match the bundle's");
            return null;
        }
        Optional<String> text = vc.string();
        if (text.isEmpty()) {
            return null;
        }
        KubernetesVersion version = KubernetesVersion.parse(text.get()).orElse(null);
        if (version == null) {
            vc.error("'" + text.get() + "' is not a Kubernetes version; write it like 1.34.1");
        } else if (!version.isSupported()) {
            vc.error("Kubernetes " + version + " is not supported; Kubeferry supports 1."
                    + KubernetesVersion.MIN_SUPPORTED_MINOR + " to 1." + KubernetesVersion.MAX_SUPPORTED_MINOR);
            return null;
        }
        return version;
    }

    private static ControlPlaneEndpoint endpoint(YamlCursor c, YamlCursor cluster, List<HostsSection.Entry> hosts) {
        if (c == null) {
            long controlPlanes = hosts.stream().filter(h -> h.host().isControlPlane()).count();
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
            Optional<ControlPlaneEndpoint.Mode> parsed = m.flatMap(s -> Arrays.stream(ControlPlaneEndpoint.Mode.values())
                    .filter(x -> x != ControlPlaneEndpoint.Mode.SINGLE_NODE && x.yamlName().equals(s)).findFirst());
            if (m.isPresent() && parsed.isEmpty()) {
                f.get("mode").error("unknown mode '" + m.get() + "'; use 'external' (your load balancer or VIP) or 'local-proxy'");
                return null;
            }
            mode = parsed.orElse(mode);
        }
        int port = f.containsKey("port") ? f.get("port").integer(1, 65535).orElse(-1) : ControlPlaneEndpoint.DEFAULT_PORT;
        if (mode == ControlPlaneEndpoint.Mode.LOCAL_PROXY && port > 0 && port != ControlPlaneEndpoint.DEFAULT_PORT) {
            // control-plane nodes map the endpoint name to their own apiserver, which listens on the default port
            f.get("port").error("in local-proxy mode the endpoint port must be the apiserver port "
                    + ControlPlaneEndpoint.DEFAULT_PORT + " (got " + port + "): control-plane nodes reach their own"
                    + " apiserver through the endpoint name; remove the port, or use mode: external with your load balancer");
            return null;
        }
        String address;
        if (f.containsKey("address")) {
            address = f.get("address").string().orElse(null);
            if (address != null && !Syntax.isIpOrDnsName(address)) {
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

    private static Networking networking(YamlCursor c, Map<String, YamlCursor> f) {
        Cidr pods = cidr(f.get("podSubnet"), DEFAULT_POD_SUBNET);
        Cidr services = cidr(f.get("serviceSubnet"), Networking.DEFAULT_SERVICE_SUBNET);
        String domain = Optional.ofNullable(f.get("dnsDomain")).flatMap(YamlCursor::string).orElse(Networking.DEFAULT_DNS_DOMAIN);
        if (!Syntax.DNS_SUBDOMAIN.matcher(domain).matches()) {
            f.get("dnsDomain").error("'" + domain + "' is not a DNS domain");
        }
        Networking.Cni cni = Networking.Cni.FLANNEL;
        if (f.containsKey("cni")) {
            Optional<String> s = f.get("cni").string();
            Optional<Networking.Cni> parsed = s.flatMap(v -> Arrays.stream(Networking.Cni.values())
                    .filter(x -> x.yamlName().equals(v)).findFirst());
            if (s.isPresent() && parsed.isEmpty()) {
                f.get("cni").error("unknown CNI '" + s.get() + "'; Kubeferry installs "
                        + String.join(", ", Arrays.stream(Networking.Cni.values()).map(Networking.Cni::yamlName).toList())
                        + (s.get().equals("calico") ? " (calico is not supported yet)" : ""));
                return null;
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

    /**
     * The controller-manager gives every node a range of node-cidr-mask-size bits from the pod subnet, and the CNI
     * (flannel reads the node's range) uses it: the pod subnet must hold at least one, and at most 2^16.
     */
    private static void checkNodeMask(Cidr pods, Map<String, String> controllerManagerArgs, YamlCursor at) {
        boolean v6 = pods.network().getAddress().length == 16;
        String flag = v6 ? "node-cidr-mask-size-ipv6" : "node-cidr-mask-size-ipv4";
        String given = controllerManagerArgs.getOrDefault(flag, controllerManagerArgs.get("node-cidr-mask-size"));
        int nodeMask = v6 ? NODE_MASK_IPV6 : NODE_MASK_IPV4;
        if (given != null) {
            try {
                nodeMask = Integer.parseInt(given.trim());
            } catch (NumberFormatException e) {
                return; // the controller-manager reports its own flag
            }
        }
        if (pods.prefixLength() > nodeMask) {
            at.error("podSubnet " + pods + " is smaller than the /" + nodeMask + " range each node gets from it"
                    + " (kube-controller-manager's " + flag + "); use a /" + nodeMask + " or larger, e.g. "
                    + (v6 ? "fd00:10:244::/56" : DEFAULT_POD_SUBNET));
        } else if (nodeMask - pods.prefixLength() > MAX_NODE_MASK_DIFFERENCE) {
            at.error("podSubnet " + pods + " splits into more than 2^" + MAX_NODE_MASK_DIFFERENCE + " node ranges of /"
                    + nodeMask + ", which the controller-manager refuses; use a /" + (nodeMask - MAX_NODE_MASK_DIFFERENCE)
                    + " or smaller");
        }
    }

    private static Cidr cidr(YamlCursor c, String defaultValue) {
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

    private static CertificateOptions certificates(YamlCursor c) {
        Map<String, YamlCursor> f = c.fields(CERT_KEYS);
        KeyAlgorithm algorithm = KeyAlgorithm.RSA_2048;
        boolean algorithmOk = true;
        if (f.containsKey("keyAlgorithm")) {
            Optional<String> s = f.get("keyAlgorithm").string();
            Optional<KeyAlgorithm> parsed = s.flatMap(KeyAlgorithm::fromYaml);
            if (s.isPresent() && parsed.isEmpty()) {
                f.get("keyAlgorithm").error("unknown key algorithm '" + s.get() + "'; choose one of "
                        + Arrays.stream(KeyAlgorithm.values()).map(KeyAlgorithm::yamlName).toList());
            }
            algorithmOk = parsed.isPresent();
            algorithm = parsed.orElse(algorithm);
        }
        Duration ca = Syntax.duration(f.get("caValidity"), CertificateOptions.DEFAULT_CA_VALIDITY);
        Duration leaf = Syntax.duration(f.get("certValidity"), CertificateOptions.DEFAULT_CERT_VALIDITY);
        if (ca != null && leaf != null && leaf.compareTo(ca) > 0) {
            f.get(f.containsKey("certValidity") ? "certValidity" : "caValidity")
                    .error("certValidity (" + Durations.format(leaf) + ") is longer than caValidity (" + Durations.format(ca)
                            + "); a certificate cannot outlive its CA");
        }
        Duration kubeletClient = Syntax.duration(f.get("kubeletClientValidity"), leaf);
        if (f.containsKey("kubeletClientValidity") && ca != null && kubeletClient != null && kubeletClient.compareTo(ca) > 0) {
            f.get("kubeletClientValidity").error("kubeletClientValidity (" + Durations.format(kubeletClient)
                    + ") is longer than caValidity (" + Durations.format(ca) + "); a certificate cannot outlive its CA");
        }
        List<String> sans = new ArrayList<>();
        if (f.containsKey("apiServerCertSANs")) {
            for (YamlCursor item : f.get("apiServerCertSANs").items()) {
                item.string().ifPresent(s -> {
                    if (!Syntax.isIpOrDnsName(s.startsWith("*.") ? s.substring(2) : s)) {
                        item.error("'" + s + "' is neither an IP address nor a DNS name");
                    } else {
                        sans.add(s);
                    }
                });
            }
        }
        if (ca == null || leaf == null || kubeletClient == null || !algorithmOk) {
            return null;
        }
        return new CertificateOptions(algorithm, ca, leaf, sans, kubeletClient);
    }

    private static Map<String, Map<String, String>> extraArgs(YamlCursor c) {
        Map<String, Map<String, String>> extraArgs = new LinkedHashMap<>();
        for (var e : c.entries().entrySet()) {
            String component = e.getKey();
            if (!InventoryLoader.COMPONENTS.contains(component)) {
                String hint = Suggest.closest(component, InventoryLoader.COMPONENTS).map(s -> "; did you mean '" + s + "'?").orElse("");
                e.getValue().error("unknown component '" + component + "'" + hint);
                continue;
            }
            Map<String, String> args = new LinkedHashMap<>();
            for (var a : e.getValue().entries().entrySet()) {
                String flag = a.getKey();
                YamlCursor value = a.getValue();
                if (flag.startsWith("-")) {
                    value.error("write the flag name without dashes: '" + flag.replaceFirst("^-+", "") + "'");
                    continue;
                }
                if (!FLAG_NAME.matcher(flag).matches()) {
                    value.error("'" + flag + "' is not a flag name: lower-case letters, digits, '.' and '-' (e.g. audit-log-path)");
                    continue;
                }
                if (RESERVED_FLAGS.contains(component + " " + flag)) {
                    value.error("--" + flag + " of " + component + " is set by Kubeferry from the inventory"
                            + " (kubeconfigs, probes and proxies must agree with it); remove it here");
                    continue;
                }
                value.string().ifPresent(v -> {
                    if (component.equals("kubelet") && !KUBELET_VALUE.matcher(v).matches()) {
                        value.error("kubelet flag values may not contain spaces, quotes, '$', '\\' or"
                                + " backquotes (they go into /var/lib/kubelet/kubeadm-flags.env)");
                    } else if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                        value.error("flag values must be one line");
                    } else {
                        args.put(flag, v);
                    }
                });
            }
            extraArgs.put(component, args);
        }
        return extraArgs;
    }
}
