package io.kubeferry.cli;

import io.kubeferry.kube.KubeApi;
import io.kubeferry.kube.testsupport.KubeadmDiscovery;
import io.kubeferry.kube.testsupport.Kubectl;
import io.kubeferry.kube.testsupport.StandInApiServer;
import io.kubeferry.pki.AdminRbac;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * token create/list/delete and kubeconfig user/revoke through the command line against the stand-in API server (real
 * TLS with the PKI that {@code certs generate} made; the cluster's endpoint is the stand-in on 127.0.0.1), with the
 * real kubectl reading what was applied.
 */
class ClusterAccessCommandsTest {
    private static final Pattern JOIN = Pattern.compile(
            "kubeadm join 127\\.0\\.0\\.1:(\\d+) --token ([a-z0-9]{6})\\.([a-z0-9]{16}) --discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})");

    @TempDir
    static Path dir;
    static Path inventory;
    static StandInApiServer server;

    @BeforeAll
    static void installedCluster() throws Exception {
        inventory = dir.resolve("inventory.yaml");
        // the endpoint is the stand-in's port; a port taken between the probe and the bind is tried again with another
        for (int attempt = 1; server == null; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Files.writeString(inventory, """
                    cluster:
                      name: lab
                      kubernetesVersion: 1.34.1
                      controlPlaneEndpoint: {address: 127.0.0.1, port: %d}
                      certificates: {keyAlgorithm: ECDSA-P256}
                    hosts:
                      - {name: cp1, address: 127.0.0.1, roles: [control-plane]}
                    """.formatted(port));
            String[] gen = MainTest.run("certs", "generate", "-i", inventory.toString());
            assertEquals("0", gen[0], gen[1]);
            Path pki = dir.resolve(".kubeferry/lab/pki");
            try {
                server = StandInApiServer.fromFlags(Map.of("bind-address", "127.0.0.1", "secure-port", String.valueOf(port),
                        "tls-cert-file", pki.resolve("hosts/cp1/apiserver.crt").toString(),
                        "tls-private-key-file", pki.resolve("hosts/cp1/apiserver.key").toString(),
                        "client-ca-file", pki.resolve("ca.crt").toString()));
            } catch (java.net.BindException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
        // what the install's finish-cluster phase leaves: kubeadm:cluster-admins, cluster-info from the real template
        Path rendered = dir.resolve("rendered");
        String[] render = MainTest.run("render", "-i", inventory.toString(), "-o", rendered.toString());
        assertEquals("0", render[0], render[1]);
        Path pki = dir.resolve(".kubeferry/lab/pki");
        try (KubeApi superAdmin = KubeApi.connect(Files.readAllBytes(pki.resolve("super-admin.conf")), "super-admin.conf")) {
            superAdmin.apply("kubeadm:cluster-admins", AdminRbac.CLUSTER_ROLE_BINDING_YAML);
            Path clusterInfo;
            try (Stream<Path> addons = Files.list(rendered.resolve("cluster/addons"))) {
                clusterInfo = addons.filter(f -> f.getFileName().toString().endsWith("-cluster-info.yaml")).findFirst().orElseThrow();
            }
            superAdmin.apply("cluster-info", Files.readString(clusterInfo));
            superAdmin.apply("namespace", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n");
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @RepeatedTest(3)
    void tokenCreateSignsClusterInfoAsDiscoveryChecksItAndNeverLogsTheSecret() throws Exception {
        String[] r = MainTest.run("token", "create", "-i", inventory.toString(), "--ttl", "2h", "--description", "rack 7");
        assertEquals("0", r[0], r[1]);
        Matcher join = JOIN.matcher(r[1]);
        assertTrue(join.find(), r[1]);
        assertEquals(String.valueOf(server.port()), join.group(1));
        String id = join.group(2);
        String secret = join.group(3);
        assertEquals(1, count(r[1], secret), "the secret is shown once, in the join command:\n" + r[1]);
        assertEquals("sha256:" + KubeadmDiscovery.opensslSpkiSha256(dir.resolve(".kubeferry/lab/pki/ca.crt")), join.group(4));

        JsonNode clusterInfo = server.object("v1", "ConfigMap", "kube-public", "cluster-info").orElseThrow();
        assertTrue(KubeadmDiscovery.verifyDetached(clusterInfo.path("data").path("jws-kubeconfig-" + id).asString(),
                clusterInfo.path("data").path("kubeconfig").asString(), id, secret), clusterInfo.toString());
        for (Path log : logs()) {
            assertFalse(Files.readString(log).contains(secret), "the token secret is in the log " + log);
        }

        Kubectl.Run type = kubectl("get", "secret", "-n", "kube-system", "bootstrap-token-" + id, "-o", "jsonpath={.type}");
        assertEquals("bootstrap.kubernetes.io/token", type.out(), type.err());

        String[] list = MainTest.run("token", "list", "-i", inventory.toString());
        assertEquals("0", list[0], list[1]);
        String row = list[1].lines().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow(() -> new AssertionError(list[1]));
        assertTrue(row.matches(id + "\\s+1h\\s+\\S+Z\\s+authentication,signing\\s+rack 7\\s+system:bootstrappers:kubeadm:default-node-token"), row);
        assertFalse(list[1].contains(secret));

        String[] delete = MainTest.run("token", "delete", "-i", inventory.toString(), id);
        assertEquals("0", delete[0], delete[1]);
        assertTrue(delete[1].contains("Deleted bootstrap token " + id), delete[1]);
        assertTrue(server.object("v1", "Secret", "kube-system", "bootstrap-token-" + id).isEmpty());
        assertTrue(server.object("v1", "ConfigMap", "kube-public", "cluster-info").orElseThrow()
                .path("data").path("jws-kubeconfig-" + id).isMissingNode());
        String[] again = MainTest.run("token", "delete", "-i", inventory.toString(), id);
        assertEquals("0", again[0], again[1]);
        assertTrue(again[1].contains("No bootstrap token " + id + " in the cluster: nothing to delete."), again[1]);
    }

    @Test
    void tokenDryRunListsTheObjectsAndCreatesNothing() {
        int before = tokenSecrets();
        String[] r = MainTest.run("token", "create", "-i", inventory.toString(), "--dry-run", "--usages", "signing,authentication");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("create Secret kube-system/bootstrap-token-<new id> (type bootstrap.kubernetes.io/token"), r[1]);
        assertTrue(r[1].contains("add jws-kubeconfig-<new id> to ConfigMap kube-public/cluster-info"), r[1]);
        assertFalse(r[1].contains("kubeadm join"), r[1]);
        assertEquals(before, tokenSecrets());
    }

    @Test
    void badTokenInputIsExitTwoAndTouchesNothing() {
        int before = tokenSecrets();
        String[] usage = MainTest.run("token", "create", "-i", inventory.toString(), "--usages", "signing,telepathy");
        assertEquals("2", usage[0], usage[1]);
        assertTrue(usage[1].contains("--usages: unknown usage 'telepathy'"), usage[1]);
        String[] group = MainTest.run("token", "create", "-i", inventory.toString(), "--groups", "admins");
        assertEquals("2", group[0], group[1]);
        assertTrue(group[1].contains("is not a bootstrap group"), group[1]);
        assertEquals("2", MainTest.run("token", "create", "-i", inventory.toString(), "--ttl", "soon")[0]);
        String[] id = MainTest.run("token", "delete", "-i", inventory.toString(), "ABC.def");
        assertEquals("2", id[0], id[1]);
        assertTrue(id[1].contains("is not a bootstrap token id"), id[1]);
        assertEquals(before, tokenSecrets());
    }

    @Test
    void anUnreachableApiIsExitOneAndAClusterNotInstalledHereIsExitTwo() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        Path inv = other.resolve("inventory.yaml");
        Files.writeString(inv, Files.readString(inventory).replace("port: " + server.port(), "port: " + closed));
        String[] noState = MainTest.run("token", "list", "-i", inv.toString());
        assertEquals("2", noState[0], noState[1]);
        assertTrue(noState[1].contains("no admin.conf"), noState[1]);
        assertEquals("0", MainTest.run("certs", "generate", "-i", inv.toString())[0]);
        String[] down = MainTest.run("token", "list", "-i", inv.toString());
        assertEquals("1", down[0], down[1]);
        assertTrue(down[1].contains("unreachable"), down[1]);
    }

    @Test
    void aClusterThatRefusesAdminConfIsExitThree() throws Exception {
        Path pki = dir.resolve(".kubeferry/lab/pki");
        try (KubeApi superAdmin = KubeApi.connect(Files.readAllBytes(pki.resolve("super-admin.conf")), "super-admin.conf")) {
            superAdmin.delete("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, "kubeadm:cluster-admins");
            try {
                String[] r = MainTest.run("token", "list", "-i", inventory.toString());
                assertEquals("3", r[0], r[1]);
                assertTrue(r[1].contains("403 Forbidden"), r[1]);
                String[] revoke = MainTest.run("kubeconfig", "revoke", "nobody", "-i", inventory.toString());
                assertEquals("3", revoke[0], revoke[1]);
            } finally {
                superAdmin.apply("kubeadm:cluster-admins", AdminRbac.CLUSTER_ROLE_BINDING_YAML);
            }
        }
    }

    @RepeatedTest(2)
    void userBindingsAreAppliedIdempotentlyAndRevokedByTheirLabels() throws Exception {
        Path aliceConf = dir.resolve("alice.conf");
        Files.deleteIfExists(aliceConf);
        String[] dry = MainTest.run("kubeconfig", "user", "alice", "-i", inventory.toString(), "--group", "team-a",
                "--namespace", "dev", "--cluster-role", "view", "--role", "deployer", "-o", aliceConf.toString(), "--dry-run");
        assertEquals("0", dry[0], dry[1]);
        assertTrue(dry[1].contains("apply RoleBinding dev/kubeferry:user:alice:view (ClusterRole view) for user alice"), dry[1]);
        assertTrue(dry[1].contains("kind: RoleBinding"), dry[1]);
        assertFalse(Files.exists(aliceConf));
        assertTrue(server.object("rbac.authorization.k8s.io/v1", "RoleBinding", "dev", "kubeferry:user:alice:view").isEmpty());

        String[] r = MainTest.run("kubeconfig", "user", "alice", "-i", inventory.toString(), "--group", "team-a",
                "--namespace", "dev", "--cluster-role", "view", "--role", "deployer", "-o", aliceConf.toString());
        assertEquals("0", r[0], r[1]);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(aliceConf)));
        JsonNode view = server.object("rbac.authorization.k8s.io/v1", "RoleBinding", "dev", "kubeferry:user:alice:view").orElseThrow();
        assertEquals("alice", view.path("metadata").path("labels").path("kubeferry.io/user").asString());
        assertEquals("ClusterRole", view.path("roleRef").path("kind").asString());
        Kubectl.Run role = kubectl("get", "rolebinding", "-n", "dev", "kubeferry:user:alice:role:deployer",
                "-o", "jsonpath={.roleRef.kind}/{.roleRef.name} {.subjects[0].kind}/{.subjects[0].name}");
        assertEquals("Role/deployer User/alice", role.out(), role.err());

        String rv = view.path("metadata").path("resourceVersion").asString();
        String[] second = MainTest.run("kubeconfig", "user", "alice", "-i", inventory.toString(), "--group", "team-a",
                "--namespace", "dev", "--cluster-role", "view", "--role", "deployer", "-o", aliceConf.toString());
        assertEquals("0", second[0], second[1]);
        assertTrue(second[1].contains("kubeferry:user:alice:view (ClusterRole view) for user alice: unchanged"), second[1]);
        assertEquals(rv, server.object("rbac.authorization.k8s.io/v1", "RoleBinding", "dev", "kubeferry:user:alice:view")
                .orElseThrow().path("metadata").path("resourceVersion").asString());

        String[] bob = MainTest.run("kubeconfig", "user", "bob", "-i", inventory.toString(), "--cluster-role", "edit",
                "-o", dir.resolve("bob.conf").toString());
        assertEquals("0", bob[0], bob[1]);
        Kubectl.Run crb = kubectl("get", "clusterrolebinding", "kubeferry:user:bob:edit", "-o", "jsonpath={.roleRef.name}");
        assertEquals("edit", crb.out(), crb.err());

        String[] dryRevoke = MainTest.run("kubeconfig", "revoke", "alice", "-i", inventory.toString(), "--dry-run");
        assertEquals("0", dryRevoke[0], dryRevoke[1]);
        assertTrue(dryRevoke[1].contains("delete RoleBinding dev/kubeferry:user:alice:role:deployer"), dryRevoke[1]);
        assertTrue(server.object("rbac.authorization.k8s.io/v1", "RoleBinding", "dev", "kubeferry:user:alice:view").isPresent());

        String[] revoke = MainTest.run("kubeconfig", "revoke", "alice", "-i", inventory.toString());
        assertEquals("0", revoke[0], revoke[1]);
        assertTrue(revoke[1].contains("deleted RoleBinding dev/kubeferry:user:alice:view"), revoke[1]);
        assertTrue(revoke[1].contains("deleted RoleBinding dev/kubeferry:user:alice:role:deployer"), revoke[1]);
        assertTrue(revoke[1].contains("a client certificate cannot be revoked"), revoke[1]);
        assertTrue(Pattern.compile("certificate serial [0-9a-f]+, groups team-a: valid until \\S+Z \\(6d left\\)")
                .matcher(revoke[1]).find(), revoke[1]);
        assertTrue(server.object("rbac.authorization.k8s.io/v1", "RoleBinding", "dev", "kubeferry:user:alice:view").isEmpty());
        assertTrue(server.object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, "kubeferry:user:bob:edit").isPresent(),
                "bob's binding stays");

        String[] twice = MainTest.run("kubeconfig", "revoke", "alice", "-i", inventory.toString());
        assertEquals("0", twice[0], twice[1]);
        assertTrue(twice[1].contains("No bindings made by Kubeferry for user alice: nothing to remove."), twice[1]);
        assertEquals("0", MainTest.run("kubeconfig", "revoke", "bob", "-i", inventory.toString())[0]);
    }

    @Test
    void aRoleNeedsANamespace() {
        String[] r = MainTest.run("kubeconfig", "user", "carol", "-i", inventory.toString(), "--role", "deployer",
                "-o", dir.resolve("carol.conf").toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--role: a Role lives in a namespace: give --namespace"), r[1]);
        assertFalse(Files.exists(dir.resolve("carol.conf")));
    }

    private static int tokenSecrets() {
        try (KubeApi admin = KubeApi.connect(Files.readAllBytes(dir.resolve(".kubeferry/lab/pki/admin.conf")), "admin.conf")) {
            return (int) admin.list("v1", "Secret", "kube-system", Map.of()).stream()
                    .filter(s -> "bootstrap.kubernetes.io/token".equals(s.getAdditionalProperties().get("type"))).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> logs() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(".kubeferry/logs"))) {
            return files.toList();
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** The real kubectl with the state directory's admin.conf (its server is the stand-in). */
    static Kubectl.Run kubectl(String... args) throws IOException, InterruptedException {
        return Kubectl.run(dir.resolve(".kubeferry/lab/pki/admin.conf"), dir, List.of(), args);
    }
}
