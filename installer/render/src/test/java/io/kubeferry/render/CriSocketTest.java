package io.kubeferry.render;

import io.kubeferry.component.Kubelet;
import io.kubeferry.component.RenderSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where each version's kubeadm keeps the node's CRI socket. 1.34 (NodeLocalCRISocket, kubeadm's
 * phases/kubelet WriteInstanceConfigToDisk): a per-node /var/lib/kubelet/instance-config.yaml patched into
 * config.yaml, never in the kubelet-config ConfigMap. 1.32/1.33: the flags file, plus the Node annotation
 * kubeadm.alpha.kubernetes.io/cri-socket that the install applies through the API.
 */
class CriSocketTest {
    private static final String SOCKET = RenderSettings.defaults().criSocket();

    @Test
    void v134KeepsTheSocketInEachNodesInstanceConfigAndOutOfTheConfigMap() {
        Inventory inv = Fixtures.ha().version("1.34.1").build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        for (Host h : inv.nodes()) {
            // byte for byte what kubeadm writes: fmt.Sprintf("containerRuntimeEndpoint: %q\n", endpoint)
            assertEquals("containerRuntimeEndpoint: \"" + SOCKET + "\"\n",
                    EndpointTest.text(rc, h, Kubelet.INSTANCE_CONFIG), h.name());
            assertEquals(SOCKET, TestSupport.yamlMap(EndpointTest.text(rc, h, "/var/lib/kubelet/config.yaml"))
                    .get("containerRuntimeEndpoint"), h.name() + ": config.yaml has the instance config patched in");
            assertFalse(EndpointTest.text(rc, h, "/var/lib/kubelet/kubeadm-flags.env").contains("container-runtime-endpoint"));
            assertTrue(rc.nodeMetadata().getOrDefault(h.name(),
                    new io.kubeferry.component.NodeMetadata(h.name(), Map.of(), Map.of())).annotations().isEmpty());
        }
        Map<String, Object> kubeletConfig = TestSupport.yamlMap(kubeletConfigMapData(rc));
        assertFalse(kubeletConfig.containsKey("containerRuntimeEndpoint"), kubeletConfig.toString());
        assertEquals("/etc/kubernetes/manifests", kubeletConfig.get("staticPodPath"), "the rest is still there");
    }

    @Test
    void v132And133UseTheFlagsFileAndTheNodeAnnotation() {
        for (String version : List.of("1.32.9", "1.33.5")) {
            Inventory inv = Fixtures.ha().version(version).build();
            RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
            for (Host h : inv.nodes()) {
                assertTrue(rc.filesFor(h.name()).stream().noneMatch(f -> f.path().equals(Kubelet.INSTANCE_CONFIG)),
                        version + " " + h.name());
                assertTrue(EndpointTest.text(rc, h, "/var/lib/kubelet/kubeadm-flags.env")
                        .contains("--container-runtime-endpoint=" + SOCKET), version + " " + h.name());
                assertEquals(Map.of(Kubelet.CRI_SOCKET_ANNOTATION, SOCKET),
                        rc.nodeMetadata().get(h.name()).annotations(), version + " " + h.name());
            }
            assertFalse(TestSupport.yamlMap(kubeletConfigMapData(rc)).containsKey("containerRuntimeEndpoint"));
            assertTrue(rc.notes().contains("annotation " + Kubelet.CRI_SOCKET_ANNOTATION + "=\"" + SOCKET
                    + "\" on every node: set through the API once the node registers (not by the kubelet)"),
                    rc.notes().toString());
        }
    }

    private static String kubeletConfigMapData(RenderedCluster rc) {
        String yaml = rc.addons().stream().filter(a -> a.name().equals("cluster-config")).findFirst().orElseThrow().yaml();
        for (Object doc : TestSupport.yamlDocs(yaml)) {
            if (doc instanceof Map<?, ?> m && "kubelet-config".equals(TestSupport.at(m, "metadata", "name"))) {
                return (String) TestSupport.at(m, "data", "kubelet");
            }
        }
        throw new AssertionError("no kubelet-config ConfigMap in cluster-config");
    }
}
