package io.kubeferry.inventory;

import io.kubeferry.yaml.YamlCursor;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Rules across sections: unique names and addresses, a control plane, etcd quorum, addresses outside the subnets. */
final class CrossChecks {
    private CrossChecks() {
    }

    static void check(ClusterSpec cluster, EtcdSection.Parsed etcd, List<HostsSection.Entry> hosts, YamlCursor hostsCursor) {
        Map<String, HostsSection.Entry> byName = new HashMap<>();
        Map<String, HostsSection.Entry> byAddress = new HashMap<>();
        Map<String, HostsSection.Entry> byInternal = new HashMap<>();
        for (HostsSection.Entry h : hosts) {
            HostsSection.Entry prev = byName.putIfAbsent(h.host().name(), h);
            if (prev != null) {
                h.cursor().error("duplicate host name '" + h.host().name() + "' (also at " + prev.cursor().where() + ")");
            }
            prev = byAddress.putIfAbsent(h.host().address(), h);
            if (prev != null) {
                h.addressCursor().error("duplicate address " + h.host().address() + " (also host '" + prev.host().name() + "')");
            }
            prev = byInternal.putIfAbsent(h.host().internalAddress(), h);
            if (prev != null && !h.host().internalAddress().equals(h.host().address())) {
                h.internalCursor().error("duplicate internalAddress " + h.host().internalAddress()
                        + " (also host '" + prev.host().name() + "')");
            }
        }
        if (!hosts.isEmpty() && hosts.stream().noneMatch(h -> h.host().isControlPlane())) {
            hostsCursor.error("no host has the control-plane role; give at least one host roles: [control-plane]");
        }
        if (etcd.mode() != null) {
            etcdRoles(etcd.mode(), etcd.modeCursor(), hosts, hostsCursor);
        }
        if (cluster == null) {
            return;
        }
        Networking net = cluster.networking();
        for (HostsSection.Entry h : hosts) {
            var pairs = h.host().internalAddress().equals(h.host().address())
                    ? List.of(Map.entry(h.host().address(), h.addressCursor()))
                    : List.of(Map.entry(h.host().address(), h.addressCursor()),
                            Map.entry(h.host().internalAddress(), h.internalCursor()));
            for (var pair : pairs) {
                Optional<InetAddress> ip = Cidr.parseIp(pair.getKey());
                if (ip.isEmpty()) continue;
                if (net.podSubnet().contains(ip.get())) {
                    pair.getValue().error("address " + pair.getKey() + " is inside podSubnet " + net.podSubnet()
                            + "; choose a podSubnet that does not contain host addresses");
                }
                if (net.serviceSubnet().contains(ip.get())) {
                    pair.getValue().error("address " + pair.getKey() + " is inside serviceSubnet " + net.serviceSubnet()
                            + "; choose a serviceSubnet that does not contain host addresses");
                }
            }
        }
    }

    /** Which hosts may have the etcd role in each mode, and the quorum warning for the members Kubeferry runs. */
    private static void etcdRoles(EtcdSettings.Mode mode, YamlCursor modeCursor, List<HostsSection.Entry> hosts,
                                  YamlCursor hostsCursor) {
        Set<YamlCursor> reported = new HashSet<>(); // one error per hosts[] entry, however many hosts it expands to
        List<HostsSection.Entry> withRole = hosts.stream().filter(h -> h.host().has(Role.ETCD)).toList();
        for (HostsSection.Entry h : withRole) {
            if (mode == EtcdSettings.Mode.STATIC_POD && !h.host().isControlPlane() && reported.add(h.rolesCursor())) {
                // a static pod needs a kubelet, and only control-plane hosts run etcd's
                h.rolesCursor().error("with cluster.etcd.mode: static-pod (the default) etcd runs as a static pod on"
                        + " control-plane hosts; give the etcd role together with control-plane, or set"
                        + " cluster.etcd.mode: host-service to run etcd as a service on hosts of its own");
            } else if (mode == EtcdSettings.Mode.EXTERNAL && reported.add(h.rolesCursor())) {
                h.rolesCursor().error("no host has the etcd role with cluster.etcd.mode: external (your etcd cluster"
                        + " runs elsewhere); remove the role");
            }
        }
        if (mode == EtcdSettings.Mode.HOST_SERVICE && withRole.isEmpty() && !hosts.isEmpty()) {
            modeCursor.error("with cluster.etcd.mode: host-service, give the etcd role to the hosts that run etcd (at"
                    + " least one; an odd number)");
        }
        long members = switch (mode) {
            case STATIC_POD -> withRole.isEmpty() ? hosts.stream().filter(h -> h.host().isControlPlane()).count()
                    : withRole.size();
            case HOST_SERVICE -> withRole.size();
            case EXTERNAL -> 0;
        };
        if (members > 1 && members % 2 == 0) {
            hostsCursor.warning(members + " etcd members: an even number tolerates no more failures than " + (members - 1)
                    + " and needs a larger quorum; use an odd number");
        }
    }
}
