package io.kubeferry.pki;

import io.kubeferry.host.HostFile;

import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves the generated PKI with openssl and kubectl only: every field is read back from their output and
 * compared with kubeadm's table (reference kubeadm-outputs.md 1.1, 1.2, 2), written out here by hand; Kubeferry's
 * documented additions (README "Differences from kubeadm") are checked on their own.
 */
class OpensslProofTest {
    private static final String SERVER = "TLS Web Server Authentication";
    private static final String CLIENT = "TLS Web Client Authentication";
    private static final String BOTH = SERVER + ", " + CLIENT;
    private static final String LEAF_KU = "Digital Signature, Key Encipherment";
    private static final String CA_KU = "Digital Signature, Key Encipherment, Certificate Sign";
    private static final String ENDPOINT = "https://lb.example.internal:6443";

    /** One row of the expected table. {@code ca} is the path of the signer's certificate (null = self). */
    record Expect(String file, String ca, String cn, List<String> o, String eku, List<String> sans) {
    }

    @TempDir
    static Path dir;
    static Inventory inventory;
    static Instant started;
    static PkiReport report;

    @BeforeAll
    static void generate() {
        Inventory plain = TestClusters.inventory(dir, 3, 2, KeyAlgorithm.RSA_2048, "1.34.1");
        // control-plane nodes reached over SSH on another address than the cluster's: both must be told apart
        inventory = TestClusters.withHosts(plain, plain.hosts().stream()
                .map(h -> h.isControlPlane() ? new io.kubeferry.inventory.Host(h.name(), sshAddress(h.name()),
                        h.internalAddress(), h.ssh(), h.roles(), h.labels(), h.taints()) : h)
                .toList());
        started = Instant.now();
        report = new PkiService().generate(inventory);
    }

    static Path pki() {
        return inventory.stateDir().resolve("pki");
    }

    /** The SSH {@code address} of control-plane node cpN in this test (its internalAddress is 10.250.0.1N). */
    static String sshAddress(String cpName) {
        return "192.0.2." + (10 + Integer.parseInt(cpName.substring(2)));
    }

    /**
     * SANs Kubeferry adds to apiserver.crt beyond kubeadm's GetAPIServerAltNames (see installer/pki/README.md,
     * "Differences from kubeadm"): loopback, and the node's SSH address.
     */
    static List<String> kubeferryApiserverExtras(String cpName) {
        return List.of("IP Address:" + sshAddress(cpName), "IP Address:127.0.0.1");
    }

    /** kubeadm's table, exactly: nothing of Kubeferry's own. */
    static List<Expect> expectedCertificates() {
        List<Expect> e = new ArrayList<>();
        e.add(new Expect("ca.crt", null, "kubernetes", List.of(), null, List.of("DNS:kubernetes")));
        e.add(new Expect("front-proxy-ca.crt", null, "front-proxy-ca", List.of(), null, List.of("DNS:front-proxy-ca")));
        e.add(new Expect("etcd/ca.crt", null, "etcd-ca", List.of(), null, List.of("DNS:etcd-ca")));
        for (int i = 1; i <= 3; i++) {
            String n = "cp" + i;
            // kubeadm makes the client certificates on each control-plane node: one key pair per node
            e.add(new Expect("hosts/" + n + "/apiserver-kubelet-client.crt", "ca.crt", "kube-apiserver-kubelet-client",
                    List.of("kubeadm:cluster-admins"), CLIENT, List.of()));
            e.add(new Expect("hosts/" + n + "/front-proxy-client.crt", "front-proxy-ca.crt", "front-proxy-client",
                    List.of(), CLIENT, List.of()));
            e.add(new Expect("hosts/" + n + "/etcd/healthcheck-client.crt", "etcd/ca.crt", "kube-etcd-healthcheck-client",
                    List.of(), CLIENT, List.of()));
            e.add(new Expect("hosts/" + n + "/apiserver-etcd-client.crt", "etcd/ca.crt", "kube-apiserver-etcd-client",
                    List.of(), CLIENT, List.of()));
            String ip = "10.250.0." + (10 + i);
            e.add(new Expect("hosts/" + n + "/apiserver.crt", "ca.crt", "kube-apiserver", List.of(), SERVER,
                    List.of("DNS:" + n, "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
                            "DNS:kubernetes.default.svc.cluster.local", "DNS:lb.example.internal",
                            "IP Address:10.96.0.1", "IP Address:" + ip)));
            List<String> etcdSans = List.of("DNS:" + n, "DNS:localhost", "IP Address:" + ip, "IP Address:127.0.0.1",
                    "IP Address:0:0:0:0:0:0:0:1");
            e.add(new Expect("hosts/" + n + "/etcd/server.crt", "etcd/ca.crt", n, List.of(), BOTH, etcdSans));
            e.add(new Expect("hosts/" + n + "/etcd/peer.crt", "etcd/ca.crt", n, List.of(), BOTH, etcdSans));
        }
        return e;
    }

    /** file, user (CN), O, server. Kubernetes 1.34: control-plane kubelets use their local apiserver. */
    static List<List<String>> expectedKubeconfigs() {
        List<List<String>> k = new ArrayList<>();
        k.add(List.of("admin.conf", "kubernetes-admin", "kubeadm:cluster-admins", ENDPOINT));
        k.add(List.of("super-admin.conf", "kubernetes-super-admin", "system:masters", ENDPOINT));
        for (int i = 1; i <= 3; i++) {
            String local = "https://10.250.0." + (10 + i) + ":6443";
            k.add(List.of("hosts/cp" + i + "/controller-manager.conf", "system:kube-controller-manager", "", local));
            k.add(List.of("hosts/cp" + i + "/scheduler.conf", "system:kube-scheduler", "", local));
            k.add(List.of("hosts/cp" + i + "/kubelet.conf", "system:node:cp" + i, "system:nodes", local));
        }
        for (int i = 1; i <= 2; i++) {
            k.add(List.of("hosts/w" + i + "/kubelet.conf", "system:node:w" + i, "system:nodes", ENDPOINT));
        }
        return k;
    }

    @Test
    void everyCertificateMatchesKubeadmsTable() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Expect e : expectedCertificates()) {
            Path crt = pki().resolve(e.file());
            Path key = pki().resolve(e.file().replace(".crt", ".key"));
            assertTrue(Files.exists(crt), e.file() + " missing");
            OpensslCert c = OpensslCert.read(crt);
            check(failures, e.file(), "CN", e.cn(), c.cn());
            check(failures, e.file(), "O", e.o(), c.organizations());
            List<String> kubeadmSans = new ArrayList<>(c.sans());
            if (e.file().endsWith("/apiserver.crt")) {
                // Kubeferry's documented extras are checked in apiserverCarriesKubeferrysExtrasBeyondKubeadm
                kubeadmSans.removeAll(kubeferryApiserverExtras(e.file().split("/")[1]));
            }
            check(failures, e.file(), "SANs", e.sans(), kubeadmSans);
            check(failures, e.file(), "EKU", e.eku(), c.extKeyUsage());
            check(failures, e.file(), "KU", e.ca() == null ? CA_KU : LEAF_KU, c.keyUsage());
            check(failures, e.file(), "KU critical", true, c.keyUsageCritical());
            check(failures, e.file(), "BasicConstraints", e.ca() == null ? "CA:TRUE" : "CA:FALSE", c.basicConstraints());
            check(failures, e.file(), "key", "rsaEncryption/2048", c.keyAlgorithm() + "/" + c.keyBits());
            Duration validity = e.ca() == null ? Duration.ofHours(87600) : Duration.ofHours(8760);
            check(failures, e.file(), "validity", validity.plusMinutes(5), Duration.between(c.notBefore(), c.notAfter()));
            Duration backdate = Duration.between(c.notBefore(), started);
            if (backdate.compareTo(Duration.ofMinutes(4)) < 0 || backdate.compareTo(Duration.ofMinutes(6)) > 0) {
                failures.add(e.file() + ": NotBefore " + c.notBefore() + " is not 5 minutes before " + started);
            }
            if (c.serial().signum() <= 0 || c.serial().compareTo(BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE)) >= 0) {
                failures.add(e.file() + ": serial " + c.serial() + " outside [1, 2^63-1)");
            }
            String ca = pki().resolve(e.ca() == null ? e.file() : e.ca()).toString();
            Cmd.Result v = Cmd.run("openssl", "verify", "-CAfile", ca, crt.toString());
            if (v.exitCode() != 0 || !v.stdout().contains(": OK")) {
                failures.add(e.file() + ": openssl verify against " + ca + " failed: " + v.stdout() + v.stderr());
            }
            check(failures, e.file(), "key matches cert", publicKeyOfCert(crt), publicKeyOfKey(key));
            String keyPem = Files.readString(key);
            check(failures, e.file(), "key PEM type", true, keyPem.startsWith("-----BEGIN RSA PRIVATE KEY-----"));
            check(failures, e.file(), "crt mode", "rw-r--r--", mode(crt));
            check(failures, e.file(), "key mode", "rw-------", mode(key));
        }
        // serials are random, not counters
        long distinct = expectedCertificates().stream().map(e -> OpensslCert.read(pki().resolve(e.file())).serial()).distinct().count();
        check(failures, "all", "distinct serials", (long) expectedCertificates().size(), distinct);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** Not kubeadm: Kubeferry's two extra apiserver SANs, and nothing else beyond kubeadm's table. */
    @Test
    void apiserverCarriesKubeferrysExtrasBeyondKubeadm() {
        for (Expect e : expectedCertificates()) {
            if (!e.file().endsWith("/apiserver.crt")) {
                continue;
            }
            List<String> beyondKubeadm = new ArrayList<>(OpensslCert.read(pki().resolve(e.file())).sans());
            beyondKubeadm.removeAll(e.sans());
            assertEquals(kubeferryApiserverExtras(e.file().split("/")[1]), beyondKubeadm,
                    e.file() + ": SANs beyond kubeadm's must be exactly Kubeferry's extras (SSH address, 127.0.0.1)");
        }
    }

    @Test
    void everyKubeconfigParsesWithKubectlAndCarriesTheRightIdentity() throws Exception {
        List<String> failures = new ArrayList<>();
        for (List<String> k : expectedKubeconfigs()) {
            String file = k.get(0);
            Path conf = pki().resolve(file);
            check(failures, file, "mode", "rw-------", mode(conf));
            String jsonpath = "{.clusters[0].name}|{.clusters[0].cluster.server}|{.users[0].name}|{.contexts[0].name}"
                    + "|{.contexts[0].context.cluster}|{.contexts[0].context.user}|{.current-context}"
                    + "|{.users[0].user.client-certificate-data}|{.users[0].user.client-key-data}"
                    + "|{.clusters[0].cluster.certificate-authority-data}";
            if (file.endsWith("kubelet.conf")) {
                // kubeadm's kubelet-finalize layout: the user refers to the PEM the kubelet rotates
                check(failures, file, "client files", PkiLayout.KUBELET_CLIENT_CURRENT + "|" + PkiLayout.KUBELET_CLIENT_CURRENT
                        + "||", Cmd.ok("/usr/bin/kubectl", "config", "view", "--raw", "--kubeconfig", conf.toString(), "-o",
                        "jsonpath={.users[0].user.client-certificate}|{.users[0].user.client-key}"
                                + "|{.users[0].user.client-certificate-data}|{.users[0].user.client-key-data}"));
                conf = KubeletClientFileTest.onNode(conf, conf.resolveSibling("kubelet-client-current.pem"),
                        Files.createTempDirectory(dir, "node"));
            }
            // --flatten: kubectl reads the files a kubeconfig refers to and embeds them (fails if it cannot)
            String out = Cmd.ok("/usr/bin/kubectl", "config", "view", "--raw", "--flatten", "--kubeconfig", conf.toString(),
                    "-o", "jsonpath=" + jsonpath);
            String[] f = out.split("\\|", -1);
            String user = k.get(1);
            check(failures, file, "cluster", "kubernetes", f[0]);
            check(failures, file, "server", k.get(3), f[1]);
            check(failures, file, "user", user, f[2]);
            check(failures, file, "context", user + "@kubernetes", f[3]);
            check(failures, file, "context.cluster", "kubernetes", f[4]);
            check(failures, file, "context.user", user, f[5]);
            check(failures, file, "current-context", user + "@kubernetes", f[6]);
            Path tmp = Files.createTempDirectory(dir, "kc");
            Path crt = tmp.resolve("client.crt");
            Path key = tmp.resolve("client.key");
            Path ca = tmp.resolve("ca.crt");
            Files.write(crt, Base64.getDecoder().decode(f[7]));
            Files.write(key, Base64.getDecoder().decode(f[8]));
            Files.write(ca, Base64.getDecoder().decode(f[9]));
            check(failures, file, "embedded CA is ca.crt", Files.readString(pki().resolve("ca.crt")), Files.readString(ca));
            Cmd.Result v = Cmd.run("openssl", "verify", "-CAfile", pki().resolve("ca.crt").toString(), crt.toString());
            check(failures, file, "openssl verify", 0, v.exitCode());
            OpensslCert c = OpensslCert.read(crt);
            check(failures, file, "CN", user, c.cn());
            check(failures, file, "O", k.get(2).isEmpty() ? List.of() : List.of(k.get(2)), c.organizations());
            check(failures, file, "EKU", CLIENT, c.extKeyUsage());
            check(failures, file, "KU", LEAF_KU, c.keyUsage());
            check(failures, file, "key", "rsaEncryption/2048", c.keyAlgorithm() + "/" + c.keyBits());
            check(failures, file, "validity", Duration.ofHours(8760).plusMinutes(5), Duration.between(c.notBefore(), c.notAfter()));
            check(failures, file, "key matches cert", publicKeyOfCert(crt), publicKeyOfKey(key));
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void serviceAccountKeyPairAndModes() throws Exception {
        Path saKey = pki().resolve("sa.key");
        Path saPub = pki().resolve("sa.pub");
        assertTrue(Files.readString(saPub).startsWith("-----BEGIN PUBLIC KEY-----"));
        assertEquals(Files.readString(saPub).strip(), publicKeyOfKey(saKey).strip());
        assertTrue(Cmd.ok("openssl", "pkey", "-in", saKey.toString(), "-noout", "-text").contains("2048 bit"));
        assertEquals("rw-------", mode(saKey));
        assertEquals("rw-------", mode(saPub));
        // the state directory and every directory under it: 0700
        try (Stream<Path> s = Files.walk(pki())) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                assertEquals("rwx------", mode(d), d.toString());
            }
        }
    }

    @Test
    void reportListsEveryFileAsCreated() {
        Map<String, Long> byAction = new TreeMap<>();
        report.entries().forEach(e -> byAction.merge(e.action().name(), 1L, Long::sum));
        // 3 CAs + sa + 3 x 4 client leaves + 3 apiserver + 6 etcd + 2 admin kubeconfigs + 9 cp kubeconfigs + 2 worker
        assertEquals(Map.of("CREATED", 38L), byAction);
    }

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"RSA_3072", "RSA_4096", "ECDSA_P256", "ECDSA_P384"})
    void otherKeyAlgorithms(KeyAlgorithm algorithm, @TempDir Path tmp) throws Exception {
        Inventory inv = TestClusters.inventory(tmp, 1, 1, algorithm, "1.34.1");
        new PkiService().generate(inv);
        Path pki = inv.stateDir().resolve("pki");
        String expected = switch (algorithm) {
            case RSA_3072 -> "rsaEncryption/3072/null";
            case RSA_4096 -> "rsaEncryption/4096/null";
            case ECDSA_P256 -> "id-ecPublicKey/256/P-256";
            case ECDSA_P384 -> "id-ecPublicKey/384/P-384";
            default -> throw new IllegalStateException();
        };
        String keyHeader = algorithm.isRsa() ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----";
        for (String file : List.of("ca.crt", "front-proxy-ca.crt", "etcd/ca.crt", "hosts/cp1/apiserver.crt",
                "hosts/cp1/etcd/server.crt", "hosts/cp1/etcd/peer.crt", "hosts/cp1/etcd/healthcheck-client.crt",
                "hosts/cp1/apiserver-etcd-client.crt", "hosts/cp1/apiserver-kubelet-client.crt",
                "hosts/cp1/front-proxy-client.crt")) {
            OpensslCert c = OpensslCert.read(pki.resolve(file));
            assertEquals(expected, c.keyAlgorithm() + "/" + c.keyBits() + "/" + c.curve(), file);
            // kubeadm keeps KeyEncipherment even for ECDSA
            assertTrue(c.keyUsage().startsWith("Digital Signature, Key Encipherment"), file + ": " + c.keyUsage());
            Path key = pki.resolve(file.replace(".crt", ".key"));
            assertTrue(Files.readString(key).startsWith(keyHeader), file);
            assertEquals(publicKeyOfCert(pki.resolve(file)), publicKeyOfKey(key), file);
            if (algorithm == KeyAlgorithm.ECDSA_P384) {
                assertTrue(c.text().contains("Signature Algorithm: ecdsa-with-SHA384"), file);
            }
        }
        for (String leaf : List.of("hosts/cp1/apiserver.crt", "hosts/cp1/apiserver-kubelet-client.crt")) {
            assertEquals(0, Cmd.run("openssl", "verify", "-CAfile", pki.resolve("ca.crt").toString(),
                    pki.resolve(leaf).toString()).exitCode(), leaf);
        }
        assertTrue(Cmd.ok("openssl", "pkey", "-in", pki.resolve("sa.key").toString(), "-noout", "-text")
                .contains(algorithm.isRsa() ? algorithm.yamlName().substring(4) + " bit" : "NIST CURVE"));
        // the worker's kubelet credentials: certificate, then key, in the one file kubelet.conf refers to
        String worker = Files.readString(pki.resolve("hosts/w1/kubelet-client-current.pem"));
        assertTrue(worker.startsWith("-----BEGIN CERTIFICATE-----") && worker.contains(keyHeader), worker);
    }

    @Test
    void longerValidityOnRequestAndLeavesNeverOutliveTheirCa(@TempDir Path tmp) {
        Inventory inv = TestClusters.inventory(tmp, 1, 1, KeyAlgorithm.ECDSA_P256, "1.34.1");
        var c = inv.cluster();
        inv = TestClusters.withCluster(inv, TestClusters.cluster("1.34.1", c.controlPlaneEndpoint(),
                new io.kubeferry.inventory.CertificateOptions(KeyAlgorithm.ECDSA_P256, Duration.ofDays(365 * 20),
                        Duration.ofDays(365 * 5), List.of())));
        new PkiService().generate(inv);
        Path pki = inv.stateDir().resolve("pki");
        OpensslCert ca = OpensslCert.read(pki.resolve("ca.crt"));
        OpensslCert leaf = OpensslCert.read(pki.resolve("hosts/cp1/apiserver.crt"));
        assertEquals(Duration.ofDays(365 * 20).plusMinutes(5), Duration.between(ca.notBefore(), ca.notAfter()));
        assertEquals(Duration.ofDays(365 * 5).plusMinutes(5), Duration.between(leaf.notBefore(), leaf.notAfter()));

        // leaves asked for longer than the CA lives end with the CA, and the report says so
        Inventory tooLong = TestClusters.withCluster(TestClusters.inventory(tmp.resolve("b"), 1, 0, KeyAlgorithm.ECDSA_P256, "1.34.1"),
                TestClusters.cluster("1.34.1", c.controlPlaneEndpoint(), new io.kubeferry.inventory.CertificateOptions(
                        KeyAlgorithm.ECDSA_P256, Duration.ofDays(365), Duration.ofDays(365 * 2), List.of())));
        PkiReport r = new PkiService().generate(tooLong);
        Path pkiB = tooLong.stateDir().resolve("pki");
        assertEquals(OpensslCert.read(pkiB.resolve("ca.crt")).notAfter(),
                OpensslCert.read(pkiB.resolve("hosts/cp1/apiserver.crt")).notAfter());
        assertTrue(r.warnings().stream().anyMatch(p -> p.message().contains("end with the CA")), r.warnings().toString());
    }

    @Test
    void kubernetes132ControlPlaneKubeletUsesTheEndpoint(@TempDir Path tmp) {
        Inventory inv = TestClusters.inventory(tmp, 1, 0, KeyAlgorithm.ECDSA_P256, "1.32.3");
        new PkiService().generate(inv);
        String server = Cmd.ok("/usr/bin/kubectl", "config", "view", "--raw", "--kubeconfig",
                inv.stateDir().resolve("pki/hosts/cp1/kubelet.conf").toString(), "-o", "jsonpath={.clusters[0].cluster.server}");
        assertEquals(ENDPOINT, server);
    }

    @Test
    void userSansAndDualAddressesReachTheApiserverCertificate(@TempDir Path tmp) {
        Inventory inv = TestClusters.inventory(tmp, 1, 0, KeyAlgorithm.ECDSA_P256, "1.34.1");
        var cp = inv.hosts().get(0);
        inv = TestClusters.withHosts(inv, List.of(new io.kubeferry.inventory.Host(cp.name(), "192.0.2.10", "10.250.0.11",
                null, cp.roles(), Map.of(), List.of())));
        inv = TestClusters.withSans(inv, List.of("api.example.com", "203.0.113.7", "*.apps.example.com", "not a name!"));
        PkiReport r = new PkiService().generate(inv);
        OpensslCert c = OpensslCert.read(inv.stateDir().resolve("pki/hosts/cp1/apiserver.crt"));
        for (String san : List.of("DNS:api.example.com", "DNS:*.apps.example.com", "IP Address:203.0.113.7",
                "IP Address:192.0.2.10", "IP Address:10.250.0.11")) {
            assertTrue(c.sans().contains(san), san + " not in " + c.sans());
        }
        assertTrue(c.sans().stream().noneMatch(s -> s.contains("not a name")));
        assertEquals(1, r.warnings().stream().filter(p -> p.message().contains("not a name!")).count(), r.warnings().toString());
    }

    @Test
    void filesForEachKindOfHost() {
        PkiService pki = new PkiService();
        Map<String, Integer> modes = new TreeMap<>();
        List<String> cp1 = new ArrayList<>();
        for (HostFile f : pki.filesFor(inventory, inventory.host("cp1").orElseThrow())) {
            cp1.add(f.path());
            modes.put(f.path(), f.mode());
            assertTrue(f.content().length > 0, f.path());
        }
        assertEquals(List.of("/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/ca.key",
                "/etc/kubernetes/pki/front-proxy-ca.crt", "/etc/kubernetes/pki/front-proxy-ca.key",
                "/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/etcd/ca.key",
                "/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/apiserver.key",
                "/etc/kubernetes/pki/apiserver-kubelet-client.crt", "/etc/kubernetes/pki/apiserver-kubelet-client.key",
                "/etc/kubernetes/pki/front-proxy-client.crt", "/etc/kubernetes/pki/front-proxy-client.key",
                "/etc/kubernetes/pki/etcd/server.crt", "/etc/kubernetes/pki/etcd/server.key",
                "/etc/kubernetes/pki/etcd/peer.crt", "/etc/kubernetes/pki/etcd/peer.key",
                "/etc/kubernetes/pki/etcd/healthcheck-client.crt", "/etc/kubernetes/pki/etcd/healthcheck-client.key",
                "/etc/kubernetes/pki/apiserver-etcd-client.crt", "/etc/kubernetes/pki/apiserver-etcd-client.key",
                "/etc/kubernetes/pki/sa.key", "/etc/kubernetes/pki/sa.pub",
                "/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf",
                "/etc/kubernetes/controller-manager.conf", "/etc/kubernetes/scheduler.conf",
                "/var/lib/kubelet/pki/kubelet-client-current.pem", "/etc/kubernetes/kubelet.conf"), cp1);
        assertEquals(0600, modes.get(PkiLayout.KUBELET_CLIENT_CURRENT));
        assertEquals(0644, modes.get("/etc/kubernetes/pki/ca.crt"));
        assertEquals(0600, modes.get("/etc/kubernetes/pki/ca.key"));
        assertEquals(0600, modes.get("/etc/kubernetes/admin.conf"));
        // cp2 gets its own apiserver certificate and no super-admin.conf
        List<PkiFile> cp2 = HostDistribution.filesFor(inventory, inventory.host("cp2").orElseThrow());
        assertTrue(cp2.stream().noneMatch(f -> f.file().path().endsWith("super-admin.conf")));
        PkiFile cp2Apiserver = cp2.stream().filter(f -> f.file().path().equals("/etc/kubernetes/pki/apiserver.crt")).findFirst().orElseThrow();
        assertEquals(pki().resolve("hosts/cp2/apiserver.crt"), cp2Apiserver.source());
        // a worker: the cluster CA certificate and its own kubelet credentials, nothing else
        List<PkiFile> w1 = HostDistribution.filesFor(inventory, inventory.host("w1").orElseThrow());
        assertEquals(List.of("/etc/kubernetes/pki/ca.crt", PkiLayout.KUBELET_CLIENT_CURRENT, "/etc/kubernetes/kubelet.conf"),
                w1.stream().map(f -> f.file().path()).toList());
        assertEquals(pki().resolve("hosts/w1/kubelet-client-current.pem"), w1.get(1).source());
        assertEquals(pki().resolve("hosts/w1/kubelet.conf"), w1.get(2).source());
    }

    @Test
    void checkExpirationListsEverything() {
        List<CertStatus> rows = new PkiService().checkExpiration(inventory);
        // the client leaves once per control-plane node / etcd member
        assertEquals(3 + 3 * 4 + 3 + 6 + 2 + 9 + 2, rows.size());
        assertEquals(List.of("cp1", "cp2", "cp3"), rows.stream().filter(s -> s.name().equals("apiserver-etcd-client"))
                .map(CertStatus::host).toList());
        for (CertStatus s : rows) {
            assertNull(s.problem(), s.toString());
            assertNotNull(s.notAfter());
            Duration expected = s.ca() == null ? Duration.ofHours(87600) : Duration.ofHours(8760);
            assertTrue(s.residual().minus(expected).abs().compareTo(Duration.ofMinutes(10)) < 0, s.toString());
        }
        CertStatus w2 = rows.stream().filter(s -> "kubelet.conf".equals(s.name()) && "w2".equals(s.host())).findFirst().orElseThrow();
        assertEquals("ca", w2.ca());
    }

    private static String publicKeyOfCert(Path crt) {
        return Cmd.ok("openssl", "x509", "-in", crt.toString(), "-noout", "-pubkey");
    }

    private static String publicKeyOfKey(Path key) {
        return Cmd.ok("openssl", "pkey", "-in", key.toString(), "-pubout");
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void check(List<String> failures, String file, String what, Object expected, Object actual) {
        if (!java.util.Objects.equals(expected, actual)) {
            failures.add(file + ": " + what + " is " + actual + ", expected " + expected);
        }
    }
}
