package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserKubeconfigsTest {
    @TempDir
    Path dir;

    @Test
    void tenantKubeconfigCarriesUserAndGroupsAndParsesWithKubectl() throws Exception {
        Inventory inv = TestClusters.inventory(dir, 1, 0, KeyAlgorithm.ECDSA_P256, "1.34.1");
        new PkiService().generate(inv);
        UserKubeconfigs.UserKubeconfig k = new UserKubeconfigs().create(inv, "alice", List.of("team-a", "devs"),
                Duration.ofHours(720), "team-a");
        Path file = dir.resolve("alice.conf");
        Files.write(file, k.content());
        String out = Cmd.ok("/usr/bin/kubectl", "config", "view", "--raw", "--kubeconfig", file.toString(), "-o",
                "jsonpath={.clusters[0].cluster.server}|{.users[0].name}|{.current-context}|{.contexts[0].context.namespace}"
                        + "|{.users[0].user.client-certificate-data}");
        String[] f = out.split("\\|");
        assertEquals("https://lb.example.internal:6443", f[0]);
        assertEquals("alice", f[1]);
        assertEquals("alice@kubernetes", f[2]);
        assertEquals("team-a", f[3]);
        Path crt = dir.resolve("alice.crt");
        Files.write(crt, Base64.getDecoder().decode(f[4]));
        assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", inv.stateDir().resolve("pki/ca.crt").toString(),
                crt.toString()).exitCode());
        OpensslCert c = OpensslCert.read(crt);
        assertEquals("alice", c.cn());
        assertEquals(List.of("team-a", "devs"), c.organizations());
        assertEquals("TLS Web Client Authentication", c.extKeyUsage());
        assertEquals(Duration.ofHours(720).plusMinutes(5), Duration.between(c.notBefore(), c.notAfter()));
    }

    @Test
    void bindingYamlIsARoleBindingOrClusterRoleBinding() {
        String rb = UserKubeconfigs.bindingYaml("alice", new UserKubeconfigs.Binding("team-a", true, "edit"));
        assertTrue(rb.contains("kind: RoleBinding") && rb.contains("namespace: \"team-a\"")
                && rb.contains("name: \"edit\"") && rb.contains("kind: User") && rb.contains("name: \"alice\"")
                && rb.contains("kubeferry.io/user: \"alice\"") && rb.contains("app.kubernetes.io/managed-by: \"kubeferry\""), rb);
        assertTrue(UserKubeconfigs.bindingYaml("bob", new UserKubeconfigs.Binding(null, true, "view")).contains("kind: ClusterRoleBinding"));
        String role = UserKubeconfigs.bindingYaml("bob", new UserKubeconfigs.Binding("team-a", false, "deployer"));
        assertTrue(role.contains("name: \"kubeferry:user:bob:role:deployer\"") && role.contains("kind: Role\n"), role);
        // a name that is no label value is labelled by its digest, and kept whole in the annotation
        assertEquals("alice", UserKubeconfigs.userLabelValue("alice"));
        assertTrue(UserKubeconfigs.userLabelValue("alice@example.com").matches("h-[0-9a-f]{40}"));
    }

    @Test
    void refusesPrivilegedGroupsBadNamesAndAMissingCa() {
        Inventory inv = TestClusters.inventory(dir, 1, 0, KeyAlgorithm.ECDSA_P256, "1.34.1");
        UserKubeconfigs users = new UserKubeconfigs();
        BadInputException noCa = assertThrows(BadInputException.class,
                () -> users.create(inv, "alice", List.of(), Duration.ofHours(1), null));
        assertTrue(noCa.getMessage().contains("certs generate"), noCa.getMessage());
        new PkiService().generate(inv);
        BadInputException bad = assertThrows(BadInputException.class,
                () -> users.create(inv, "system:admin", List.of("system:masters"), Duration.ZERO, "Bad_NS"));
        assertEquals(4, bad.problems().size(), bad.getMessage());
    }
}
