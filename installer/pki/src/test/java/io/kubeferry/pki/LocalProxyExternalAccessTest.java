package io.kubeferry.pki;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.inventory.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local-proxy mode: admin.conf's {@code apiserver.kubeferry.local} resolves only on the nodes, so the operator
 * gets {@code admin-external.conf} and user kubeconfigs that point at the first control plane's address.
 */
class LocalProxyExternalAccessTest {
    @TempDir
    Path dir;

    /** cp1/cp2 reached over SSH on 192.0.2.x, cluster traffic on 10.250.0.x; one worker; local-proxy endpoint. */
    private Inventory localProxy() {
        Inventory base = TestClusters.inventory(dir, 0, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        List<Host> hosts = new java.util.ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            hosts.add(new Host("cp" + i, "192.0.2." + (10 + i), "10.250.0." + (10 + i), null, Set.of(Role.CONTROL_PLANE),
                    Map.of(), List.of()));
        }
        hosts.addAll(base.hosts());
        var c = base.cluster();
        return TestClusters.withHosts(TestClusters.withCluster(base, TestClusters.cluster("1.34.1",
                new ControlPlaneEndpoint(ControlPlaneEndpoint.DEFAULT_LOCAL_PROXY_NAME, 6443,
                        ControlPlaneEndpoint.Mode.LOCAL_PROXY), c.certificates())), hosts);
    }

    private static String view(Path conf, String jsonpath) {
        return Cmd.ok("/usr/bin/kubectl", "config", "view", "--raw", "--kubeconfig", conf.toString(), "-o", "jsonpath=" + jsonpath);
    }

    @Test
    void adminExternalConfPointsAtTheFirstControlPlaneWhichItsCertificateCovers() throws Exception {
        Inventory inv = localProxy();
        PkiService service = new PkiService();
        service.generate(inv);
        Path pki = inv.stateDir().resolve("pki");
        Path external = pki.resolve(PkiPlan.ADMIN_EXTERNAL_CONF);
        assertEquals("https://192.0.2.11:6443|kubernetes-admin", view(external, "{.clusters[0].cluster.server}|{.users[0].name}"));
        // admin.conf itself is unchanged: the install and the nodes use the local proxy's name
        assertEquals("https://" + ControlPlaneEndpoint.DEFAULT_LOCAL_PROXY_NAME + ":6443",
                view(pki.resolve("admin.conf"), "{.clusters[0].cluster.server}"));
        // the same identity as admin.conf (kubeadm:cluster-admins), signed by the cluster CA
        Path crt = dir.resolve("external.crt");
        Files.write(crt, Base64.getDecoder().decode(view(external, "{.users[0].user.client-certificate-data}")));
        OpensslCert client = OpensslCert.read(crt);
        assertEquals("kubernetes-admin", client.cn());
        assertEquals(List.of(PkiPlan.CLUSTER_ADMINS_GROUP), client.organizations());
        assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", pki.resolve("ca.crt").toString(), crt.toString()).exitCode());
        // the apiserver it points at presents a certificate valid for that address
        assertTrue(OpensslCert.read(pki.resolve("hosts/cp1/apiserver.crt")).sans().contains("IP Address:192.0.2.11"));
        Cmd.Result check = Cmd.run("openssl", "x509", "-in", pki.resolve("hosts/cp1/apiserver.crt").toString(),
                "-noout", "-checkip", "192.0.2.11");
        assertTrue(check.stdout().contains("does match"), check.stdout());
        // for the operator's machine only: no host gets it
        for (Host h : inv.hosts()) {
            assertTrue(service.filesFor(inv, h).stream().map(HostFile::path).noneMatch(p -> p.contains("external")), h.name());
        }
        assertTrue(PkiService.renewableNames(inv).contains(PkiPlan.ADMIN_EXTERNAL_CONF));
        assertFalse(service.generate(inv).changedAnything());
    }

    @Test
    void userKubeconfigsUseAControlPlaneAddressInLocalProxyModeAndSaySo() {
        Inventory inv = localProxy();
        new PkiService().generate(inv);
        UserKubeconfigs.UserKubeconfig kc = new UserKubeconfigs().create(inv, "alice", List.of("team-a"), Duration.ofHours(24), null);
        assertEquals("https://192.0.2.11:6443", kc.server());
        assertEquals(kc.server(), Kubeconfigs.parse(kc.content()).server());
        assertTrue(kc.note().contains("192.0.2.11") && kc.note().contains("resolves only on the nodes"), kc.note());
        assertTrue(new String(kc.content(), StandardCharsets.UTF_8).startsWith("# " + kc.note() + "\n"));

        // with an endpoint every machine resolves: the endpoint, no note, no admin-external.conf
        Inventory vip = TestClusters.inventory(dir.resolve("vip"), 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        new PkiService().generate(vip);
        UserKubeconfigs.UserKubeconfig plain = new UserKubeconfigs().create(vip, "bob", List.of(), Duration.ofHours(24), null);
        assertEquals("https://lb.example.internal:6443", plain.server());
        assertNull(plain.note());
        assertFalse(Files.exists(vip.stateDir().resolve("pki").resolve(PkiPlan.ADMIN_EXTERNAL_CONF)));
        assertFalse(PkiService.renewableNames(vip).contains(PkiPlan.ADMIN_EXTERNAL_CONF));
    }
}
