package io.kubeferry.inventory;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One machine as the user described it.
 *
 * @param name            node name (also the Kubernetes node name)
 * @param address         where the installer reaches it over SSH
 * @param internalAddress the address cluster traffic uses (apiserver advertise address, etcd peer URL);
 *                        equals {@code address} when the user gave none
 */
public record Host(String name, String address, String internalAddress, SshSettings ssh, Set<Role> roles,
                   Map<String, String> labels, List<Taint> taints) {
    public Host {
        roles = Set.copyOf(roles);
        labels = Map.copyOf(labels);
        taints = List.copyOf(taints);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    public boolean isControlPlane() {
        return roles.contains(Role.CONTROL_PLANE);
    }
}
