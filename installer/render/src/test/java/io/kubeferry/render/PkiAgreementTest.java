package io.kubeferry.render;

import io.kubeferry.inventory.ApiServerUrls;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.pki.CertSpec;
import io.kubeferry.pki.KubeconfigSpec;
import io.kubeferry.pki.PkiPlan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PKI module's plan and the rendered files agree on the endpoint: every apiserver certificate covers the
 * endpoint host (VIP or local-proxy name), and every kubeconfig's server is the one {@link ApiServerUrls} gives.
 */
class PkiAgreementTest {
    @ParameterizedTest
    @ValueSource(strings = {"vip-1.32.9", "vip-1.34.1", "local-proxy-1.33.5"})
    void certificatesAndKubeconfigsMatchTheEndpoint(String c) {
        String version = c.substring(c.lastIndexOf('-') + 1);
        Fixtures f = Fixtures.ha().version(version);
        Inventory inv = (c.startsWith("local-proxy") ? f.localProxy() : f).build();
        String endpointHost = inv.cluster().controlPlaneEndpoint().host();
        PkiPlan plan = PkiPlan.of(inv);

        List<CertSpec> apiservers = plan.certs().stream().filter(s -> s.name().equals("apiserver")).toList();
        assertEquals(inv.controlPlanes().size(), apiservers.size());
        for (CertSpec s : apiservers) {
            List<String> sans = new ArrayList<>(s.dnsNames());
            sans.addAll(s.ipAddresses());
            assertTrue(sans.contains(endpointHost), s.host() + " apiserver SANs " + sans + " lack " + endpointHost);
            Host h = inv.host(s.host()).orElseThrow();
            assertTrue(sans.contains(h.internalAddress()), "probes and the local kubelet reach " + h.internalAddress());
        }

        for (KubeconfigSpec k : plan.kubeconfigs()) {
            switch (k.fileName()) {
                case "kubelet.conf" -> assertEquals(ApiServerUrls.forKubelet(inv, inv.host(k.host()).orElseThrow()),
                        k.server(), k.label());
                case PkiPlan.ADMIN_EXTERNAL_CONF -> {
                    // local-proxy only: the first control plane's address, which its apiserver certificate covers
                    Host first = inv.controlPlanes().get(0);
                    assertEquals("https://" + first.address() + ":6443", k.server(), k.label());
                    assertTrue(apiservers.get(0).ipAddresses().contains(first.address())
                            || apiservers.get(0).dnsNames().contains(first.address()), apiservers.get(0).toString());
                    assertTrue(inv.cluster().controlPlaneEndpoint().mode() == io.kubeferry.inventory.ControlPlaneEndpoint.Mode.LOCAL_PROXY);
                }
                case "controller-manager.conf", "scheduler.conf" -> assertEquals(
                        ApiServerUrls.forControlPlaneComponent(inv, inv.host(k.host()).orElseThrow()), k.server(), k.label());
                default -> assertEquals(ApiServerUrls.forCluster(inv), k.server(), k.label());
            }
        }
        assertFalse(plan.kubeconfigs().isEmpty());
        assertEquals(c.startsWith("local-proxy"), plan.kubeconfigs().stream()
                .anyMatch(k -> k.fileName().equals(PkiPlan.ADMIN_EXTERNAL_CONF)));
        // the kubelet component restarts the kubelet for the file kubelet.conf refers to: the same path
        assertEquals(io.kubeferry.pki.PkiLayout.KUBELET_CLIENT_CURRENT, io.kubeferry.component.Kubelet.CLIENT_CERT_AND_KEY);
        // workers' kubelets use the endpoint, like kube-proxy and cluster-info in the rendered addons
        for (Host w : inv.workers()) {
            assertEquals(inv.controlPlaneUrl(), ApiServerUrls.forKubelet(inv, w));
        }
    }
}
