package io.kubeferry.host;

import java.util.List;
import java.util.Optional;

/**
 * What was found on a host (never what the user wrote: that is the inventory). Gathered once per run by the
 * engine's gather-facts phase; read by the preflight checks and by rendering.
 *
 * @param arch              Kubernetes' name for the CPU: amd64, arm64, ...
 * @param cgroupVersion     1 or 2 (0 when unknown)
 * @param swapKb            swap in use or configured, in KiB (the kubelet refuses to start with swap by default)
 * @param selinux           enforcing, permissive, disabled (no SELinux)
 * @param varLibFreeKb      free space under /var/lib, where containerd, the kubelet and etcd keep their data
 * @param clockSkewSeconds  host clock minus this machine's clock (certificates and etcd need them close)
 * @param portsInUse        TCP ports listening now
 * @param init              the name of PID 1 (systemd on real hosts)
 * @param containerdVersion installed containerd version, or empty
 * @param systemdResolved   /etc/resolv.conf points at systemd-resolved's stub (127.0.0.53) and the real list is
 *                          in {@link #SYSTEMD_RESOLVED_RESOLV_CONF}
 * @param interfaces        network interfaces with a MAC address of their own (permanent or set by an administrator;
 *                          random ones of veths, bridges and tunnels are left out: they cannot be cloned)
 * @param productUuid       /sys/class/dmi/id/product_uuid, or empty when it cannot be read (containers, no DMI)
 * @param missingCommands   of the commands the facts script looks for, those not on systemd's PATH
 * @param otherRuntimes     container runtimes besides containerd: sockets found and services active
 *                          ({@code socket /run/crio/crio.sock}, {@code service docker})
 * @param kubelets          kubelet binaries on systemd's PATH
 * @param kubeletStamp      the sha256 Kubeferry recorded when it installed the kubelet, or empty
 */
public record HostFacts(String hostname, String osId, String osVersion, String osPrettyName, String arch,
                        String kernel, int cgroupVersion, long swapKb, String selinux, long varLibFreeKb,
                        long memoryKb, int cpus, double clockSkewSeconds, List<Integer> portsInUse, String init,
                        String containerdVersion, boolean ipForward, boolean brNetfilter, boolean systemdResolved,
                        List<Nic> interfaces, String productUuid, List<String> missingCommands,
                        List<String> otherRuntimes, List<Kubelet> kubelets, String kubeletStamp) {
    public static final String SYSTEMD_RESOLVED_RESOLV_CONF = "/run/systemd/resolve/resolv.conf";

    /** A network interface and its MAC address (lower case). */
    public record Nic(String name, String mac) {
    }

    /**
     * A kubelet binary found on the host.
     *
     * @param version what {@code kubelet --version} printed ("Kubernetes v1.33.2"); empty for the one Kubeferry
     *                installed (its sha256 is the stamp's), which is not run
     */
    public record Kubelet(String path, String sha256, String version) {
    }

    public HostFacts {
        portsInUse = List.copyOf(portsInUse);
        interfaces = List.copyOf(interfaces);
        missingCommands = List.copyOf(missingCommands);
        otherRuntimes = List.copyOf(otherRuntimes);
        kubelets = List.copyOf(kubelets);
    }

    /** Facts of a host nothing was learned from (rendering without a run, e.g. {@code installer render}). */
    public static HostFacts unknown() {
        return new HostFacts("", "", "", "", "", "", 0, 0, "disabled", 0, 0, 0, 0, List.of(), "", "", false, false,
                false, List.of(), "", List.of(), List.of(), List.of(), "");
    }

    public HostFacts withSystemdResolved(boolean resolved) {
        return new HostFacts(hostname, osId, osVersion, osPrettyName, arch, kernel, cgroupVersion, swapKb, selinux,
                varLibFreeKb, memoryKb, cpus, clockSkewSeconds, portsInUse, init, containerdVersion, ipForward,
                brNetfilter, resolved, interfaces, productUuid, missingCommands, otherRuntimes, kubelets, kubeletStamp);
    }

    /**
     * The resolv.conf the kubelet must hand to pods, when not the default {@code /etc/resolv.conf}: with
     * systemd-resolved that file points at 127.0.0.53 and CoreDNS would forward to itself (kubeadm's rule).
     */
    public Optional<String> kubeletResolvConf() {
        return systemdResolved ? Optional.of(SYSTEMD_RESOLVED_RESOLV_CONF) : Optional.empty();
    }
}
