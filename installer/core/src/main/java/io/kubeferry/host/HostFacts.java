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
 */
public record HostFacts(String hostname, String osId, String osVersion, String osPrettyName, String arch,
                        String kernel, int cgroupVersion, long swapKb, String selinux, long varLibFreeKb,
                        long memoryKb, int cpus, double clockSkewSeconds, List<Integer> portsInUse, String init,
                        String containerdVersion, boolean ipForward, boolean brNetfilter, boolean systemdResolved) {
    public static final String SYSTEMD_RESOLVED_RESOLV_CONF = "/run/systemd/resolve/resolv.conf";

    public HostFacts {
        portsInUse = List.copyOf(portsInUse);
    }

    /** Facts of a host nothing was learned from (rendering without a run, e.g. {@code installer render}). */
    public static HostFacts unknown() {
        return new HostFacts("", "", "", "", "", "", 0, 0, "disabled", 0, 0, 0, 0, List.of(), "", "", false, false,
                false);
    }

    public HostFacts withSystemdResolved(boolean resolved) {
        return new HostFacts(hostname, osId, osVersion, osPrettyName, arch, kernel, cgroupVersion, swapKb, selinux,
                varLibFreeKb, memoryKb, cpus, clockSkewSeconds, portsInUse, init, containerdVersion, ipForward,
                brNetfilter, resolved);
    }

    /**
     * The resolv.conf the kubelet must hand to pods, when not the default {@code /etc/resolv.conf}: with
     * systemd-resolved that file points at 127.0.0.53 and CoreDNS would forward to itself (kubeadm's rule).
     */
    public Optional<String> kubeletResolvConf() {
        return systemdResolved ? Optional.of(SYSTEMD_RESOLVED_RESOLV_CONF) : Optional.empty();
    }
}
