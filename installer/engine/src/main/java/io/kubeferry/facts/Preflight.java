package io.kubeferry.facts;

import io.kubeferry.host.HostFacts;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Role;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Judges a host's facts against what a Kubernetes node needs. */
public final class Preflight {
    /** Ports kubeadm's preflight checks on control-plane nodes. */
    static final Set<Integer> CONTROL_PLANE_PORTS = Set.of(6443, 2379, 2380, 10250, 10257, 10259);
    static final Set<Integer> NODE_PORTS = Set.of(10250);
    static final Set<Integer> ETCD_PORTS = Set.of(2379, 2380);
    static final long MIN_VAR_LIB_KB = 10L * 1024 * 1024;
    static final double MAX_SKEW_SECONDS = 30;

    public enum Level { ERROR, WARNING }

    public record Finding(Level level, String host, String message) {
    }

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
            out.add(new Finding(Level.ERROR, h, String.format(java.util.Locale.ROOT,
                    "clock differs from this machine's by %.0f s: certificates may look not-yet-valid and etcd"
                            + " elections fail; sync time (chrony/ntp)", f.clockSkewSeconds())));
        }
        Set<Integer> needed = host.isControlPlane() ? CONTROL_PLANE_PORTS
                : host.has(Role.WORKER) ? NODE_PORTS : Set.of();
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
        return out;
    }
}
