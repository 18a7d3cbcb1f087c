package io.kubeferry.component;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Labels and annotations the install step sets on a Node through the API once the node has registered, as
 * kubeadm does after its kubelet starts. They cannot come from the kubelet: the NodeRestriction admission
 * refuses {@code node-role.kubernetes.io/*} labels from a kubelet, and annotations have no kubelet flag.
 *
 * @param node        node name (the inventory's host name)
 * @param labels      label key to value, e.g. {@code node-role.kubernetes.io/control-plane=""}
 * @param annotations annotation key to value
 */
public record NodeMetadata(String node, Map<String, String> labels, Map<String, String> annotations) {
    /** kubeadm's mark-control-plane labels (reference 5.2). */
    public static final String CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
    public static final String EXCLUDE_FROM_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

    public NodeMetadata {
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        annotations = Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    /** What kubeadm would put on this node through the API. */
    public static NodeMetadata forNode(Inventory inventory, Host host, RenderSettings settings) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (host.isControlPlane()) {
            labels.put(CONTROL_PLANE_LABEL, "");
            labels.put(EXCLUDE_FROM_LB_LABEL, "");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        if (!Kubelet.nodeLocalCriSocket(inventory.cluster().kubernetesVersion().minor())) {
            annotations.put(Kubelet.CRI_SOCKET_ANNOTATION, settings.criSocket());
        }
        return new NodeMetadata(host.name(), labels, annotations);
    }

    /**
     * One note per distinct label or annotation: where it goes ("every node" or the node names) and that the
     * install sets it through the API.
     */
    public static List<String> notes(Collection<NodeMetadata> all, List<String> nodes) {
        Map<String, List<String>> where = new LinkedHashMap<>();
        for (NodeMetadata m : all) {
            m.labels.forEach((k, v) -> where.computeIfAbsent("label " + k + "=\"" + v + "\"", x -> new ArrayList<>()).add(m.node));
            m.annotations.forEach((k, v) -> where.computeIfAbsent("annotation " + k + "=\"" + v + "\"", x -> new ArrayList<>()).add(m.node));
        }
        List<String> notes = new ArrayList<>();
        where.forEach((what, on) -> notes.add(what + " on " + (on.size() == nodes.size() ? "every node" : String.join(", ", on))
                + ": set through the API once the node registers (not by the kubelet)"));
        return notes;
    }

    public boolean isEmpty() {
        return labels.isEmpty() && annotations.isEmpty();
    }
}
