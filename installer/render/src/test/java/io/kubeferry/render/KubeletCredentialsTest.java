package io.kubeferry.render;

import io.kubeferry.component.Addon;
import io.kubeferry.component.Kubelet;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What lets the kubelet's client certificate outlive its first year (kubeadm's kubelet-finalize): rotation on,
 * the CSR auto-approval bindings in the RBAC addon, the controller-manager signing, and a kubelet restart when the
 * PEM kubelet.conf refers to is replaced.
 */
class KubeletCredentialsTest {
    @Test
    void rotationIsOnAndTheRotationCsrsOfNodesAreApprovedAndSigned() {
        Inventory inv = Fixtures.ha().build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host w1 = inv.workers().get(0);
        assertEquals(Boolean.TRUE, TestSupport.yamlMap(EndpointTest.text(rc, w1, "/var/lib/kubelet/config.yaml"))
                .get("rotateCertificates"));
        assertTrue(EndpointTest.text(rc, w1, "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf")
                .contains("--kubeconfig=/etc/kubernetes/kubelet.conf"));

        Addon rbac = rc.addons().stream().filter(a -> a.name().equals("cluster-rbac")).findFirst().orElseThrow();
        List<Object> docs = TestSupport.yamlDocs(rbac.yaml());
        // kubeadm's bootstrap-token phase (reference lifecycle section 3): binding -> role, subject group
        Map<String, List<String>> expected = Map.of(
                "kubeadm:node-autoapprove-certificate-rotation",
                List.of("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", "system:nodes"),
                "kubeadm:node-autoapprove-bootstrap",
                List.of("system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                        "system:bootstrappers:kubeadm:default-node-token"),
                "kubeadm:kubelet-bootstrap",
                List.of("system:node-bootstrapper", "system:bootstrappers:kubeadm:default-node-token"),
                "kubeadm:get-nodes", List.of("kubeadm:get-nodes", "system:bootstrappers:kubeadm:default-node-token"));
        expected.forEach((name, roleAndGroup) -> {
            Object crb = docs.stream().filter(d -> "ClusterRoleBinding".equals(TestSupport.at(d, "kind"))
                    && name.equals(TestSupport.at(d, "metadata", "name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no ClusterRoleBinding " + name));
            assertEquals("ClusterRole", TestSupport.at(crb, "roleRef", "kind"), name);
            assertEquals(roleAndGroup.get(0), TestSupport.at(crb, "roleRef", "name"), name);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> subjects = (List<Map<String, Object>>) TestSupport.at(crb, "subjects");
            assertEquals(List.of(Map.of("apiGroup", "rbac.authorization.k8s.io", "kind", "Group", "name", roleAndGroup.get(1))),
                    subjects, name);
        });

        // the controller-manager signs what is approved (kubeadm's --cluster-signing-* with the CA it has)
        String kcm = EndpointTest.text(rc, inv.controlPlanes().get(0), "/etc/kubernetes/manifests/kube-controller-manager.yaml");
        assertTrue(kcm.contains("--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt")
                && kcm.contains("--cluster-signing-key-file=/etc/kubernetes/pki/ca.key"), kcm);
        // a renewed PEM (certs renew kubelet.conf) restarts the kubelet
        assertTrue(new Kubelet().readsPkiFile(w1, Kubelet.CLIENT_CERT_AND_KEY));
    }
}
