package io.kubeferry.facts;

import java.util.List;

/**
 * What was found on a host (never what the user wrote: that is the inventory).
 *
 * @param arch             Kubernetes' name for the CPU: amd64, arm64, ...
 * @param cgroupVersion    1 or 2 (0 when unknown)
 * @param swapKb           swap in use or configured, in KiB (the kubelet refuses to start with swap by default)
 * @param selinux          enforcing, permissive, disabled (no SELinux)
 * @param varLibFreeKb     free space under /var/lib, where containerd, the kubelet and etcd keep their data
 * @param clockSkewSeconds host clock minus this machine's clock (certificates and etcd need them close)
 * @param portsInUse       TCP ports listening now
 * @param init             the name of PID 1 (systemd on real hosts)
 * @param containerdVersion installed containerd version, or empty
 */
public record HostFacts(String hostname, String osId, String osVersion, String osPrettyName, String arch,
                        String kernel, int cgroupVersion, long swapKb, String selinux, long varLibFreeKb,
                        long memoryKb, int cpus, double clockSkewSeconds, List<Integer> portsInUse, String init,
                        String containerdVersion, boolean ipForward, boolean brNetfilter) {
    public HostFacts {
        portsInUse = List.copyOf(portsInUse);
    }
}
