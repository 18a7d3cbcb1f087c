package io.kubeferry.component;

/**
 * What was learned from a host that changes its files (gathered by the facts phase, never put in the inventory).
 *
 * @param resolvConf the resolv.conf the kubelet must hand to pods, or null for the kubelet's default
 *                   ({@code /etc/resolv.conf}). With systemd-resolved active that file points at 127.0.0.53 and
 *                   CoreDNS loops; kubeadm then uses {@code /run/systemd/resolve/resolv.conf}.
 */
public record HostFacts(String resolvConf) {
    public static final String SYSTEMD_RESOLVED_RESOLV_CONF = "/run/systemd/resolve/resolv.conf";

    public static HostFacts unknown() {
        return new HostFacts(null);
    }

    /** The facts of a host where systemd-resolved is active (kubeadm's rule). */
    public static HostFacts withSystemdResolved() {
        return new HostFacts(SYSTEMD_RESOLVED_RESOLV_CONF);
    }
}
