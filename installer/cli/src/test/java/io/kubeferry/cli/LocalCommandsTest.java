package io.kubeferry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.Yaml;

import static org.junit.jupiter.api.Assertions.*;

/** certs, render and kubeconfig through the command line: local state only, no host. */
class LocalCommandsTest {
    @TempDir
    Path dir;

    private Path inventory() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster:
                  name: lab
                  kubernetesVersion: 1.34.1
                  controlPlaneEndpoint: {address: 192.0.2.100, port: 6443}
                  certificates: {keyAlgorithm: ECDSA-P256}
                ssh: {password: pw-never-shown}
                hosts:
                  - {name: "cp[1:3]", address: "192.0.2.[11:13]", roles: [control-plane]}
                  - {name: w1, address: 192.0.2.21, roles: [worker]}
                """);
        return inv;
    }

    @Test
    void certsGenerateIsIdempotentAndCheckExpirationListsEverything() throws Exception {
        Path inv = inventory();
        String[] first = MainTest.run("certs", "generate", "-i", inv.toString());
        assertEquals("0", first[0], first[1]);
        assertTrue(first[1].contains("created"), first[1]);
        Path pki = dir.resolve(".kubeferry/lab/pki");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pki)));
        String[] second = MainTest.run("certs", "generate", "-i", inv.toString());
        assertEquals("0", second[0]);
        assertFalse(second[1].contains("created"), "second run created files:\n" + second[1]);
        String[] table = MainTest.run("certs", "check-expiration", "-i", inv.toString());
        assertEquals("0", table[0]);
        for (String name : new String[]{"ca", "etcd-ca", "front-proxy-ca", "apiserver", "etcd-server", "admin.conf", "kubelet.conf"}) {
            assertTrue(table[1].lines().anyMatch(l -> l.startsWith(name + " ")), name + " missing:\n" + table[1]);
        }
        assertTrue(table[1].lines().anyMatch(l -> l.startsWith("ca ") && l.contains("9y")), table[1]);
    }

    @Test
    void renderWritesEveryHostsTreeAndSecretsOnlyWhenAsked() throws Exception {
        Path inv = inventory();
        Path out = dir.resolve("out");
        String[] r = MainTest.run("render", "-i", inv.toString(), "-o", out.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(Files.isRegularFile(out.resolve("cp2/etc/kubernetes/manifests/kube-apiserver.yaml")));
        assertTrue(Files.isRegularFile(out.resolve("w1/var/lib/kubelet/config.yaml")));
        assertFalse(Files.exists(out.resolve("cp1/etc/kubernetes/pki/ca.key")));
        r = MainTest.run("render", "-i", inv.toString(), "-o", out.toString(), "--with-secrets");
        assertEquals("0", r[0], r[1]);
        assertTrue(Files.isRegularFile(out.resolve("cp1/etc/kubernetes/pki/ca.key")));
        assertTrue(Files.isRegularFile(out.resolve("w1/etc/kubernetes/kubelet.conf")));
        assertFalse(Files.exists(out.resolve("w1/etc/kubernetes/pki/ca.key")), "a worker got the CA key");
        Map<String, Object> kubelet = new Yaml().load(Files.readString(out.resolve("w1/etc/kubernetes/kubelet.conf")));
        assertEquals("https://192.0.2.100:6443", path(kubelet, "clusters", "cluster", "server"));
    }

    @Test
    void renderToABadOutputWritesNoPki() throws Exception {
        Path inv = inventory();
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        for (Path out : List.of(file, full)) {
            String[] r = MainTest.run("render", "-i", inv.toString(), "-o", out.toString());
            assertEquals("2", r[0], r[1]);
            assertTrue(r[1].contains(out.toString()), r[1]);
        }
        assertFalse(Files.exists(dir.resolve(".kubeferry")), "no PKI or state written before the output was checked");
        assertEquals("mine", Files.readString(full.resolve("keep.txt")));
    }

    @Test
    void userKubeconfigIsPrivateAndParsedByKubectl() throws Exception {
        Path inv = inventory();
        assertEquals("0", MainTest.run("certs", "generate", "-i", inv.toString())[0]);
        Path kc = dir.resolve("alice.conf");
        String[] r = MainTest.run("kubeconfig", "user", "-i", inv.toString(), "--name", "alice", "--group", "team-a",
                "--namespace", "dev", "--clusterrole", "edit", "--no-apply", "--valid", "720h", "-o", kc.toString());
        assertEquals("0", r[0], r[1]);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kc)));
        Process p = new ProcessBuilder("kubectl", "config", "view", "--raw", "--kubeconfig", kc.toString(),
                "-o", "jsonpath={.clusters[0].cluster.server} {.contexts[0].context.namespace} {.contexts[0].context.user}")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String view = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), view);
        assertEquals("https://192.0.2.100:6443 dev alice", view.strip());
        Map<String, Object> binding = new Yaml().load(Files.readString(dir.resolve("alice.conf.rbac.yaml")));
        assertEquals("RoleBinding", binding.get("kind"));
        assertEquals("dev", ((Map<?, ?>) binding.get("metadata")).get("namespace"));
        assertEquals("edit", ((Map<?, ?>) binding.get("roleRef")).get("name"));
        assertEquals("alice", path(binding, "subjects", "name"));
        assertEquals("2", MainTest.run("kubeconfig", "user", "-i", inv.toString(), "--name", "bob", "--valid", "soon",
                "-o", dir.resolve("bob.conf").toString())[0]);
    }

    @Test
    void userKubeconfigToStdoutWritesNoFileNamedDash() throws Exception {
        Path inv = inventory();
        assertEquals("0", MainTest.run("certs", "generate", "-i", inv.toString())[0]);
        String cwd = System.getProperty("user.dir");
        String[] r = MainTest.run("kubeconfig", "user", "-i", inv.toString(), "--name", "carol", "-o", "-");
        assertEquals("0", r[0], r[1]);
        // the run's lines go to stderr, which this capture mixes in: the kubeconfig starts at its apiVersion
        Map<String, Object> kc = new Yaml().load(r[1].substring(r[1].indexOf("apiVersion:"), r[1].indexOf("kubeconfig for user carol")));
        assertEquals("Config", kc.get("kind"));
        assertFalse(Files.exists(Path.of(cwd, "-")), "a file named '-' was written");
        assertEquals("2", MainTest.run("kubeconfig", "user", "-i", inv.toString(), "--name", "carol", "-o", "-",
                "--clusterrole", "view", "--no-apply")[0]);
    }

    /** list-of-maps, then key: the first element's value (kubeconfig's clusters[0].cluster.server style). */
    @SuppressWarnings("unchecked")
    private static Object path(Map<String, Object> doc, String list, String... keys) {
        Object node = ((List<Object>) doc.get(list)).get(0);
        for (String k : keys) {
            node = ((Map<String, Object>) node).get(k);
        }
        return node;
    }
}
