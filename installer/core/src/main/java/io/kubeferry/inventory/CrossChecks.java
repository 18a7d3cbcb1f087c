package io.kubeferry.inventory;

import io.kubeferry.yaml.YamlCursor;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Rules across sections: unique names and addresses, a control plane, etcd quorum, addresses outside the subnets. */
final class CrossChecks {
    private CrossChecks() {
    }

    static void check(ClusterSpec cluster, List<HostsSection.Entry> hosts, YamlCursor hostsCursor) {
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
        long etcd = hosts.stream().filter(h -> h.host().has(Role.ETCD)).count();
        if (etcd == 0) {
            etcd = hosts.stream().filter(h -> h.host().isControlPlane()).count();
        }
        if (etcd > 1 && etcd % 2 == 0) {
            hostsCursor.warning(etcd + " etcd members: an even number tolerates no more failures than " + (etcd - 1)
                    + " and needs a larger quorum; use an odd number");
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
}
