package io.kubeferry.facts;

import io.kubeferry.host.HostFacts;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Role;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Judges hosts' facts against what a Kubernetes node needs: each host alone ({@link #check}) and the hosts against
 * each other ({@link #checkAcross}: hostnames, MAC addresses, product_uuid), which needs every host's facts.
 */
public final class Preflight {
    /** Ports kubeadm's preflight checks on control-plane nodes. */
    static final Set<Integer> CONTROL_PLANE_PORTS = Set.of(6443, 2379, 2380, 10250, 10257, 10259);
    static final Set<Integer> NODE_PORTS = Set.of(10250);
    static final Set<Integer> ETCD_PORTS = Set.of(2379, 2380);
    static final long MIN_VAR_LIB_KB = 10L * 1024 * 1024;
    static final double MAX_SKEW_SECONDS = 30;
    /** Where Kubeferry installs the bundle's kubelet (BundleBinaries' placement); the unit runs this one. */
    static final String KUBELET_PATH = "/usr/local/bin/kubelet";
    /** kubeadm's node-name rule (validation.IsDNS1123Subdomain): lower case, digits, '-' and '.', at most 253. */
    private static final Pattern DNS_1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /** ERROR stops the host; WARNING is shown; NOTE reports what the install takes care of. */
    public enum Level { ERROR, WARNING, NOTE }

    public record Finding(Level level, String host, String message) {
    }

    /**
     * A command the host must have on systemd's PATH (any one of {@code anyOf}).
     *
     * @param why who needs it, shown when it is missing
     */
    public record RequiredCommand(List<String> anyOf, Level level, String why) {
        RequiredCommand(String name, Level level, String why) {
            this(List.of(name), level, why);
        }
    }

    /**
     * Every command the facts script looks for: kubeadm's lists of every supported minor and the installer's own.
     * The bundle's binaries (kubelet, kubectl, containerd, runc, crictl, CNI plugins, etcd) are never looked for.
     */
    static final List<String> PROBED_COMMANDS = List.of("mount", "losetup", "cp", "ip", "iptables", "nsenter",
            "ethtool", "tc", "touch", "tar", "sha256sum", "systemctl", "modprobe", "sysctl", "curl", "wget");

    private final KubernetesVersion version;
    private final Map<String, String> bundleKubeletSha256ByArch;
    private final Set<String> bundleBinaries;

    /**
     * @param version                   the cluster's Kubernetes version (its kubeadm's command list, the kubelet's version)
     * @param bundleKubeletSha256ByArch the bundle's kubelet per architecture (empty without a bundle, e.g. {@code check})
     * @param bundleBinaries            names of the bundle's binaries: what the bundle brings is not required on hosts
     */
    public Preflight(KubernetesVersion version, Map<String, String> bundleKubeletSha256ByArch, Set<String> bundleBinaries) {
        this.version = version;
        this.bundleKubeletSha256ByArch = Map.copyOf(bundleKubeletSha256ByArch);
        this.bundleBinaries = Set.copyOf(bundleBinaries);
    }

    /** Without a bundle (the {@code check} command). */
    public Preflight(KubernetesVersion version) {
        this(version, Map.of(), Set.of());
    }

    /**
     * The commands a host needs. Nodes: kubeadm's exec checks of the cluster's minor (1.32: {@code ip},
     * {@code iptables}, {@code mount}, {@code nsenter} mandatory, {@code ethtool}, {@code tc}, {@code touch}
     * optional, {@code socat} and {@code ebtables} dropped by kubernetes#127151, {@code conntrack} only below
     * 1.32; 1.33 and later: {@code mount}, {@code losetup}, {@code cp} mandatory after kubernetes#129131,
     * #129450, #130045), mandatory ones as errors, optional ones as warnings; then what the installer itself runs
     * there. etcd-only hosts: what installing the etcd service runs.
     */
    public List<RequiredCommand> requiredCommands(boolean node) {
        List<RequiredCommand> out = new ArrayList<>();
        if (node) {
            if (version.atLeast(33)) {
                out.add(new RequiredCommand("mount", Level.ERROR, "the kubelet mounts volumes with it (kubeadm: mandatory)"));
                out.add(new RequiredCommand("losetup", Level.ERROR, "the kubelet holds block volumes open with it"
                        + " (kubeadm: mandatory since 1.33)"));
                out.add(new RequiredCommand("cp", Level.ERROR, "kubeadm 1.33+ requires it; the installer copies binaries with it"));
            } else {
                for (String c : List.of("ip", "iptables", "mount", "nsenter")) {
                    out.add(new RequiredCommand(c, Level.ERROR, "the kubelet needs it (kubeadm " + version.minorVersion()
                            + ": mandatory)"));
                }
                for (String c : List.of("ethtool", "tc", "touch")) {
                    out.add(new RequiredCommand(c, Level.WARNING, "kubeadm " + version.minorVersion()
                            + " looks for it (optional)"));
                }
                out.add(new RequiredCommand("cp", Level.ERROR, "the installer copies binaries with it"));
            }
            out.add(new RequiredCommand("modprobe", Level.ERROR, "the kernel-settings component loads overlay and"
                    + " br_netfilter with it"));
            out.add(new RequiredCommand("sysctl", Level.ERROR, "the kernel-settings component applies its sysctls with it"));
            out.add(new RequiredCommand(List.of("curl", "wget"), Level.ERROR, "the installer asks the kubelet's"
                    + " /healthz with one of them"));
        } else {
            out.add(new RequiredCommand("cp", Level.ERROR, "the installer copies binaries with it"));
        }
        out.add(new RequiredCommand("tar", Level.ERROR, "the installer unpacks the bundle's release archives with it"));
        out.add(new RequiredCommand("sha256sum", Level.ERROR, "the installer checks every file it sends with it"));
        out.add(new RequiredCommand("systemctl", Level.ERROR, "the installer runs containerd, the kubelet and etcd as"
                + " systemd units"));
        return out.stream().filter(c -> c.anyOf().stream().noneMatch(bundleBinaries::contains)).toList();
    }

    /** One host alone. */
    public List<Finding> check(Host host, HostFacts f) {
        List<Finding> out = new ArrayList<>();
        String h = host.name();
        if (!Set.of("amd64", "arm64").contains(f.arch())) {
            out.add(new Finding(Level.ERROR, h, "architecture " + f.arch() + " is not supported (amd64, arm64)"));
        }
        if (f.swapKb() > 0) {
            out.add(new Finding(Level.WARNING, h, "swap is on (" + f.swapKb() / 1024 + " MiB): the kubelet will not start"
                    + " with swap; the installer turns it off (swapoff -a) and comments it out of /etc/fstab"));
        }
        if (f.selinux().equals("enforcing")) {
            out.add(new Finding(Level.WARNING, h, "SELinux is enforcing: static pods need the right labels; the installer"
                    + " sets it to permissive like kubeadm's docs advise"));
        }
        if (f.cgroupVersion() == 0) {
            out.add(new Finding(Level.ERROR, h, "no cgroup filesystem at /sys/fs/cgroup"));
        }
        if (f.varLibFreeKb() > 0 && f.varLibFreeKb() < MIN_VAR_LIB_KB) {
            out.add(new Finding(Level.WARNING, h, "only " + f.varLibFreeKb() / 1024 + " MiB free under /var/lib;"
                    + " images and etcd need at least 10 GiB"));
        }
        if (Math.abs(f.clockSkewSeconds()) > MAX_SKEW_SECONDS) {
            out.add(new Finding(Level.ERROR, h, String.format(Locale.ROOT,
                    "clock differs from this machine's by %.0f s: certificates may look not-yet-valid and etcd"
                            + " elections fail; sync time (chrony/ntp)", f.clockSkewSeconds())));
        }
        boolean node = host.isControlPlane() || host.has(Role.WORKER);
        Set<Integer> needed = host.isControlPlane() ? CONTROL_PLANE_PORTS : node ? NODE_PORTS : Set.of();
        for (int port : f.portsInUse()) {
            if (needed.contains(port) || host.has(Role.ETCD) && ETCD_PORTS.contains(port)) {
                out.add(new Finding(Level.WARNING, h, "port " + port + " is already in use (an earlier install,"
                        + " or another program)"));
            }
        }
        if (!f.init().equals("systemd")) {
            out.add(new Finding(Level.WARNING, h, "PID 1 is '" + f.init() + "', not systemd: units are started with"
                    + " whatever `systemctl` is on the PATH"));
        }
        for (RequiredCommand c : requiredCommands(node)) {
            if (f.missingCommands().containsAll(c.anyOf())) {
                out.add(new Finding(c.level(), h, String.join(" or ", c.anyOf()) + " not found on systemd's PATH: "
                        + c.why() + "; install it from the OS packages"));
            }
        }
        if (node) {
            runtimesAndKubelet(h, f, out);
            if (!f.ipForward()) {
                out.add(new Finding(Level.NOTE, h, "net.ipv4.ip_forward is 0 (kubeadm's preflight fails here): the"
                        + " kernel-settings component sets it to 1 (/etc/sysctl.d) before containerd starts"));
            }
            if (!f.brNetfilter()) {
                out.add(new Finding(Level.NOTE, h, "br_netfilter is not loaded (no /proc/sys/net/bridge): the"
                        + " kernel-settings component loads it and sets net.bridge.bridge-nf-call-iptables = 1"));
            }
        }
        return out;
    }

    private void runtimesAndKubelet(String h, HostFacts f, List<Finding> out) {
        if (!f.otherRuntimes().isEmpty()) {
            out.add(new Finding(Level.ERROR, h, "another container runtime is here (" + String.join(", ", f.otherRuntimes())
                    + "): it would compete with the bundle's containerd for the pods' networks and iptables (docker sets"
                    + " the FORWARD policy to DROP) and makes the CRI socket ambiguous; stop and remove it (e.g."
                    + " `systemctl disable --now docker.socket docker crio` and remove its package), or run"
                    + " `installer reset` once that exists if an earlier install left it"));
        }
        String bundleSha = bundleKubeletSha256ByArch.get(f.arch());
        String want = version.tag();
        for (HostFacts.Kubelet k : f.kubelets()) {
            boolean ours = !k.sha256().isEmpty() && (k.sha256().equals(f.kubeletStamp()) || k.sha256().equals(bundleSha));
            if (ours) {
                continue;
            }
            String reports = k.version().isBlank() ? "does not say its version" : "reports '" + k.version().strip() + "'";
            if (k.path().equals(KUBELET_PATH)) {
                out.add(new Finding(Level.ERROR, h, "an unknown kubelet binary at " + KUBELET_PATH + " (" + reports
                        + ", sha256 " + shortSha(k.sha256()) + "): Kubeferry did not install it and it is not the bundle's;"
                        + " remove it (and the unit that runs it), or run `installer reset` once that exists"));
            } else if (!k.version().strip().matches("(.*\\s)?" + Pattern.quote(want))) {
                out.add(new Finding(Level.ERROR, h, "a kubelet not installed by Kubeferry at " + k.path() + " (" + reports
                        + "; the bundle brings " + want + "): its package's kubelet.service and drop-ins would run"
                        + " against this cluster's; remove it (apt-get remove kubelet / dnf remove kubelet), or run"
                        + " `installer reset` once that exists"));
            } else {
                out.add(new Finding(Level.WARNING, h, "a kubelet of the same version (" + want + ") not installed by"
                        + " Kubeferry at " + k.path() + ": the unit runs " + KUBELET_PATH + "; remove the package so that"
                        + " its kubelet.service drop-ins do not apply"));
            }
        }
    }

    /**
     * The hosts against each other: node names (the kubelet registers as the inventory's name with
     * --hostname-override, so duplicate or invalid hostnames are warnings as in kubeadm's HostnameCheck), MAC
     * addresses (a clone's duplicate MAC breaks traffic on the segment: error), product_uuid (kubeadm's install
     * docs ask for it to be unique, the kubelet reports it as the node's system UUID; kubeadm does not check it:
     * warning; unreadable in containers: said once).
     */
    public List<Finding> checkAcross(Map<Host, HostFacts> facts) {
        List<Finding> out = new ArrayList<>();
        Map<String, List<String>> byHostname = new TreeMap<>();
        Map<String, List<String>> byMac = new TreeMap<>();
        Map<String, List<String>> byUuid = new TreeMap<>();
        List<String> noUuid = new ArrayList<>();
        for (var e : facts.entrySet()) {
            String h = e.getKey().name();
            HostFacts f = e.getValue();
            if (!f.hostname().isEmpty()) {
                byHostname.computeIfAbsent(f.hostname(), k -> new ArrayList<>()).add(h);
                if (!isNodeName(f.hostname())) {
                    out.add(new Finding(Level.WARNING, h, "hostname '" + f.hostname() + "' is not a valid node name"
                            + " (DNS-1123: lower-case letters, digits, '-' and '.', at most 253): kubeadm would refuse to"
                            + " register it; Kubeferry registers the node as '" + h + "' (--hostname-override), but"
                            + " tools that read the hostname will disagree; rename it (hostnamectl set-hostname " + h + ")"));
                }
            }
            for (String mac : f.interfaces().stream().map(HostFacts.Nic::mac).collect(Collectors.toCollection(LinkedHashSet::new))) {
                byMac.computeIfAbsent(mac, k -> new ArrayList<>()).add(h);
            }
            if (f.productUuid().isBlank()) {
                noUuid.add(h);
            } else {
                byUuid.computeIfAbsent(f.productUuid().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h);
            }
        }
        Map<Host, HostFacts> ordered = new LinkedHashMap<>(facts);
        for (var e : ordered.entrySet()) {
            String h = e.getKey().name();
            HostFacts f = e.getValue();
            List<String> sameName = others(byHostname.get(f.hostname()), h);
            if (!f.hostname().isEmpty() && !sameName.isEmpty()) {
                out.add(new Finding(Level.WARNING, h, "hostname '" + f.hostname() + "' is also the hostname of "
                        + String.join(", ", sameName) + ": kubeadm would register both as one node; Kubeferry names the"
                        + " node '" + h + "', but give every machine its own hostname (cloned machines?)"));
            }
            for (HostFacts.Nic nic : f.interfaces()) {
                List<String> sameMac = others(byMac.get(nic.mac()), h);
                if (!sameMac.isEmpty()) {
                    out.add(new Finding(Level.ERROR, h, "MAC address " + nic.mac() + " of " + nic.name() + " is also on "
                            + String.join(", ", sameMac) + ": machines cloned with their MAC addresses lose packets on a"
                            + " shared network and Kubernetes needs them unique; give each machine its own MAC address"));
                }
            }
            List<String> sameUuid = f.productUuid().isBlank() ? List.of()
                    : others(byUuid.get(f.productUuid().toLowerCase(Locale.ROOT)), h);
            if (!sameUuid.isEmpty()) {
                out.add(new Finding(Level.WARNING, h, "product_uuid " + f.productUuid() + " is also the product_uuid of "
                        + String.join(", ", sameUuid) + ": the nodes report the same system UUID (cloned virtual machines?);"
                        + " kubeadm's install guide asks for unique ones; give each machine its own"));
            }
        }
        if (!noUuid.isEmpty() && facts.size() > 1) {
            noUuid.sort(io.kubeferry.phase.HostOrder.NATURAL);
            out.add(new Finding(Level.NOTE, noUuid.get(0), "/sys/class/dmi/id/product_uuid cannot be read on "
                    + String.join(", ", noUuid) + " (containers and machines without DMI have none): whether the machines'"
                    + " product_uuid is unique was not checked"));
        }
        return out;
    }

    /** Every host alone and the hosts against each other, hosts in natural order. */
    public List<Finding> checkAll(Inventory inventory, Map<String, HostFacts> factsByHost) {
        Map<Host, HostFacts> facts = new LinkedHashMap<>();
        for (Host h : inventory.hosts()) {
            HostFacts f = factsByHost.get(h.name());
            if (f != null) {
                facts.put(h, f);
            }
        }
        return Stream.concat(facts.entrySet().stream().flatMap(e -> check(e.getKey(), e.getValue()).stream()),
                        checkAcross(facts).stream())
                .sorted(Comparator.comparing(Finding::host, io.kubeferry.phase.HostOrder.NATURAL))
                .toList();
    }

    static boolean isNodeName(String name) {
        return name.length() <= 253 && DNS_1123_SUBDOMAIN.matcher(name).matches();
    }

    private static List<String> others(List<String> hosts, String self) {
        return hosts == null ? List.of() : hosts.stream().filter(x -> !x.equals(self)).toList();
    }

    private static String shortSha(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }
}
