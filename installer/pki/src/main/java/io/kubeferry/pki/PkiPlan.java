package io.kubeferry.pki;

import io.kubeferry.errors.Problem;
import io.kubeferry.inventory.Addresses;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ApiServerUrls;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The desired PKI of a cluster, computed from the inventory alone (no files read): every leaf certificate
 * and kubeconfig kubeadm would make, with kubeadm's subjects, usages and SANs.
 *
 * @param warnings user SANs that were dropped (kubeadm drops them with a warning too)
 */
public record PkiPlan(List<CertSpec> certs, List<KubeconfigSpec> kubeconfigs, List<Problem> warnings) {
    /** kubeadm's O for admin.conf and apiserver-kubelet-client since 1.29; bound to cluster-admin by a ClusterRoleBinding. */
    public static final String CLUSTER_ADMINS_GROUP = "kubeadm:cluster-admins";
    public static final String MASTERS_GROUP = "system:masters";
    public static final String NODES_GROUP = "system:nodes";
    /**
     * Local-proxy mode only: admin.conf's identity pointed at the first control plane's address, for the operator's
     * own machine (admin.conf's {@code apiserver.kubeferry.local} resolves only on the nodes). In the state
     * directory only; no host gets it.
     */
    public static final String ADMIN_EXTERNAL_CONF = "admin-external.conf";

    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Set<ExtKeyUsage> SERVER = Set.of(ExtKeyUsage.SERVER_AUTH);
    private static final Set<ExtKeyUsage> CLIENT = Set.of(ExtKeyUsage.CLIENT_AUTH);
    private static final Set<ExtKeyUsage> SERVER_AND_CLIENT = Set.of(ExtKeyUsage.SERVER_AUTH, ExtKeyUsage.CLIENT_AUTH);

    public PkiPlan {
        certs = List.copyOf(certs);
        kubeconfigs = List.copyOf(kubeconfigs);
        warnings = List.copyOf(warnings);
    }

    public static PkiPlan of(Inventory inventory) {
        ClusterSpec cluster = inventory.cluster();
        List<Problem> warnings = new ArrayList<>();
        List<CertSpec> certs = new ArrayList<>();

        List<String> userSans = new ArrayList<>();
        for (String san : cluster.certificates().apiServerCertSans()) {
            String s = san.trim();
            if (Cidr.isIpLiteral(s) || DNS_SUBDOMAIN.matcher(s).matches() && s.length() <= 253) {
                userSans.add(s);
            } else {
                warnings.add(Problem.warning("cluster.certificates.apiServerCertSans",
                        "'" + san + "' is neither an IP address nor a DNS name (RFC 1123); it is left out of the apiserver certificate"));
            }
        }

        for (Host cp : inventory.controlPlanes()) {
            SanBuilder sans = new SanBuilder();
            sans.add(cp.name());
            sans.dns("kubernetes");
            sans.dns("kubernetes.default");
            sans.dns("kubernetes.default.svc");
            sans.dns("kubernetes.default.svc." + cluster.networking().dnsDomain());
            sans.ip(cluster.networking().apiServerServiceIp());
            sans.add(cp.internalAddress());
            sans.add(cp.address());
            sans.add(cluster.controlPlaneEndpoint().host());
            sans.ip("127.0.0.1");
            userSans.forEach(sans::add);
            certs.add(new CertSpec("apiserver", "apiserver", cp.name(), CaKind.KUBERNETES, "kube-apiserver",
                    List.of(), SERVER, sans.dnsNames(), sans.ipAddresses()));
        }
        // kubeadm makes these client certificates on each control-plane node (init and join), never shares one key
        for (Host cp : inventory.controlPlanes()) {
            certs.add(new CertSpec("apiserver-kubelet-client", "apiserver-kubelet-client", cp.name(), CaKind.KUBERNETES,
                    "kube-apiserver-kubelet-client", List.of(CLUSTER_ADMINS_GROUP), CLIENT, List.of(), List.of()));
            certs.add(new CertSpec("front-proxy-client", "front-proxy-client", cp.name(), CaKind.FRONT_PROXY,
                    "front-proxy-client", List.of(), CLIENT, List.of(), List.of()));
        }

        List<Host> etcd = inventory.etcdMembers();
        for (Host member : etcd) {
            for (String kind : List.of("server", "peer")) {
                SanBuilder sans = new SanBuilder();
                sans.add(member.name());
                sans.dns("localhost");
                sans.add(member.internalAddress());
                sans.ip("127.0.0.1");
                sans.ip("::1");
                certs.add(new CertSpec("etcd-" + kind, "etcd/" + kind, member.name(), CaKind.ETCD, member.name(),
                        List.of(), SERVER_AND_CLIENT, sans.dnsNames(), sans.ipAddresses()));
            }
        }
        for (Host member : etcd) {
            certs.add(new CertSpec("etcd-healthcheck-client", "etcd/healthcheck-client", member.name(), CaKind.ETCD,
                    "kube-etcd-healthcheck-client", List.of(), CLIENT, List.of(), List.of()));
        }
        if (!etcd.isEmpty()) {
            for (Host cp : inventory.controlPlanes()) {
                certs.add(new CertSpec("apiserver-etcd-client", "apiserver-etcd-client", cp.name(), CaKind.ETCD,
                        "kube-apiserver-etcd-client", List.of(), CLIENT, List.of(), List.of()));
            }
        }

        String clusterName = cluster.name();
        String endpoint = ApiServerUrls.forCluster(inventory);
        List<KubeconfigSpec> kubeconfigs = new ArrayList<>();
        kubeconfigs.add(kubeconfig("admin.conf", null, endpoint, clusterName, "kubernetes-admin", CLUSTER_ADMINS_GROUP));
        kubeconfigs.add(kubeconfig("super-admin.conf", null, endpoint, clusterName, "kubernetes-super-admin", MASTERS_GROUP));
        if (cluster.controlPlaneEndpoint().mode() == ControlPlaneEndpoint.Mode.LOCAL_PROXY) {
            kubeconfigs.add(kubeconfig(ADMIN_EXTERNAL_CONF, null, serverForOutsideClients(inventory), clusterName,
                    "kubernetes-admin", CLUSTER_ADMINS_GROUP));
        }
        for (Host cp : inventory.controlPlanes()) {
            String local = ApiServerUrls.forControlPlaneComponent(inventory, cp);
            kubeconfigs.add(kubeconfig("controller-manager.conf", cp.name(), local, clusterName,
                    "system:kube-controller-manager", null));
            kubeconfigs.add(kubeconfig("scheduler.conf", cp.name(), local, clusterName, "system:kube-scheduler", null));
        }
        for (Host node : inventory.nodes()) {
            kubeconfigs.add(kubeconfig("kubelet.conf", node.name(), ApiServerUrls.forKubelet(inventory, node), clusterName,
                    "system:node:" + node.name(), NODES_GROUP));
        }
        return new PkiPlan(certs, kubeconfigs, warnings);
    }

    /**
     * The server for kubeconfigs used off the nodes ({@link #ADMIN_EXTERNAL_CONF}, {@code kubeconfig user}): the
     * endpoint, except in local-proxy mode, whose name resolves only on the nodes: there the first control plane's
     * SSH address (the one the operator reaches; every apiserver certificate has it as a SAN).
     */
    public static String serverForOutsideClients(Inventory inventory) {
        if (inventory.cluster().controlPlaneEndpoint().mode() != ControlPlaneEndpoint.Mode.LOCAL_PROXY) {
            return ApiServerUrls.forCluster(inventory);
        }
        return Addresses.httpsUrl(inventory.controlPlanes().get(0).address(), ControlPlaneEndpoint.DEFAULT_PORT);
    }

    private static KubeconfigSpec kubeconfig(String file, String host, String server, String clusterName, String user,
                                             String group) {
        CertSpec cert = new CertSpec(file, file, host, CaKind.KUBERNETES, user,
                group == null ? List.of() : List.of(group), CLIENT, List.of(), List.of());
        return new KubeconfigSpec(file, host, server, clusterName, cert);
    }

    /** Collects SANs like kubeadm: DNS names sorted and unique, IPs unique in the order added. */
    static final class SanBuilder {
        private final Set<String> dns = new TreeSet<>();
        private final Set<String> ips = new LinkedHashSet<>();

        /** Adds an IP literal as an IP SAN, anything else as a DNS SAN. */
        void add(String value) {
            if (value == null || value.isBlank()) {
                return;
            }
            if (Cidr.isIpLiteral(value)) {
                ip(value);
            } else {
                dns(value);
            }
        }

        void dns(String name) {
            dns.add(name.toLowerCase(java.util.Locale.ROOT));
        }

        void ip(String literal) {
            InetAddress a = Cidr.parseIp(literal)
                    .orElseThrow(() -> new IllegalArgumentException("not an IP address: " + literal));
            ips.add(a.getHostAddress());
        }

        List<String> dnsNames() {
            return List.copyOf(dns);
        }

        List<String> ipAddresses() {
            return List.copyOf(ips);
        }
    }
}
