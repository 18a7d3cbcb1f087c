package io.kubeferry.inventory;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Location;
import io.kubeferry.errors.Problem;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class InventoryLoaderTest {
    private static final Map<String, String> ENV = Map.of("KF_TEST_PASSWORD", "s3cret-from-env");

    private static Path corpus(String dir) throws URISyntaxException {
        return Path.of(InventoryLoaderTest.class.getResource("/inventories/" + dir).toURI());
    }

    private static InventoryLoader loader() {
        return new InventoryLoader(ENV::get);
    }

    @Test
    void minimalInventoryGetsKubeadmDefaults() throws Exception {
        Inventory inv = loader().read(corpus("good").resolve("minimal.yaml")).inventory();
        ClusterSpec c = inv.cluster();
        assertEquals("kubernetes", c.name());
        assertEquals("10.96.0.0/12", c.networking().serviceSubnet().toString());
        assertEquals("10.96.0.1", c.networking().apiServerServiceIp());
        assertEquals("10.96.0.10", c.networking().dnsServiceIp());
        assertEquals("cluster.local", c.networking().dnsDomain());
        assertEquals(KeyAlgorithm.RSA_2048, c.certificates().keyAlgorithm());
        assertEquals(Duration.ofHours(8760), c.certificates().certValidity());
        assertEquals(c.certificates().certValidity(), c.certificates().kubeletClientValidity());
        assertEquals(ControlPlaneEndpoint.Mode.SINGLE_NODE, c.controlPlaneEndpoint().mode());
        assertEquals("https://192.0.2.10:6443", inv.controlPlaneUrl());
        Host cp = inv.hosts().get(0);
        assertEquals("root", cp.ssh().user());
        assertEquals(SshSettings.Sudo.NONE, cp.ssh().sudo());
        assertEquals(List.of(cp), inv.etcdMembers());
        assertEquals(SshSettings.HostKeyPolicy.STRICT, cp.ssh().hostKeyPolicy());
    }

    @Test
    void rangesExpandAndSshDefaultsMerge() throws Exception {
        Inventory inv = loader().read(corpus("good").resolve("ha-ranges.yaml")).inventory();
        assertEquals(23, inv.hosts().size());
        assertEquals(List.of("cp1", "cp2", "cp3"), inv.controlPlanes().stream().map(Host::name).toList());
        Host n20 = inv.host("node20").orElseThrow();
        assertEquals("192.0.2.120", n20.address());
        assertEquals(2222, n20.ssh().port());
        assertEquals("admin", n20.ssh().user());
        assertEquals(SshSettings.Sudo.PASSWORD, n20.ssh().sudo());
        assertEquals("s3cret-from-env", n20.ssh().sudoPassword().reveal());
        assertEquals(List.of(new Taint("dedicated", "batch", "NoSchedule"), new Taint("gpu", "", "NoExecute")), n20.taints());
        assertEquals(22, inv.host("cp1").orElseThrow().ssh().port());
        assertEquals(SshSettings.Sudo.PASSWORDLESS, inv.host("cp1").orElseThrow().ssh().sudo());
        assertEquals("https://lb.example.com:8443", inv.controlPlaneUrl());
        assertEquals(KubernetesVersion.parse("1.33.4").orElseThrow(), inv.cluster().kubernetesVersion());
        assertEquals(Duration.ofDays(365 * 20), inv.cluster().certificates().caValidity());
    }

    @Test
    void kubeletClientValidityTakesSecondsAndDefaultsToCertValidity(@TempDir Path tmp) throws IOException {
        String hosts = "ssh: {password: x}\nhosts:\n  - {name: cp1, address: 192.0.2.1, roles: [control-plane]}\n";
        Path shortLived = tmp.resolve("short.yaml");
        Files.writeString(shortLived, "cluster:\n  kubernetesVersion: 1.34.1\n  certificates: {certValidity: 30d, kubeletClientValidity: 90s}\n" + hosts);
        CertificateOptions c = loader().read(shortLived).inventory().cluster().certificates();
        assertEquals(Duration.ofSeconds(90), c.kubeletClientValidity());
        assertEquals(Duration.ofDays(30), c.certValidity());
        Path inherited = tmp.resolve("inherited.yaml");
        Files.writeString(inherited, "cluster:\n  kubernetesVersion: 1.34.1\n  certificates: {certValidity: 30d}\n" + hosts);
        assertEquals(Duration.ofDays(30), loader().read(inherited).inventory().cluster().certificates().kubeletClientValidity());
    }

    @Test
    void secretsNeverShowInToString() throws Exception {
        Inventory inv = loader().read(corpus("good").resolve("ha-ranges.yaml")).inventory();
        String dump = inv.toString();
        assertFalse(dump.contains("s3cret-from-env"), "secret leaked into toString");
        assertTrue(dump.contains("env:KF_TEST_PASSWORD"));
    }

    @Test
    void exampleInventoryInRepositoryRootIsValid() throws Exception {
        Path root = Path.of(System.getProperty("kubeferry.repo.root", "../.."));
        Path example = root.resolve("inventory.example.yaml");
        // its privateKeyFile points at ~/.ssh/id_ed25519, which a fresh machine lacks: swap in a password
        String text = Files.readString(example).replace("privateKeyFile: ~/.ssh/id_ed25519", "password: x");
        Path copy = Files.createTempFile("inventory", ".yaml");
        Files.writeString(copy, text);
        Inventory inv = loader().read(copy).inventory();
        assertEquals(23, inv.hosts().size());
        assertEquals(ControlPlaneEndpoint.Mode.EXTERNAL, inv.cluster().controlPlaneEndpoint().mode());
    }

    @Test
    void localUseNeedsNoSshCredentialsAndReadsNoSecret(@TempDir Path tmp) throws IOException {
        Path root = Path.of(System.getProperty("kubeferry.repo.root", "../.."));
        // the example as shipped: a key file that a fresh machine lacks, plus secrets from an unset variable and a missing file
        String text = Files.readString(root.resolve("inventory.example.yaml"))
                .replace("privateKeyFile: ~/.ssh/id_ed25519", "privateKeyFile: ./absent-key\n  passphrase: ${env:KF_UNSET}")
                .replace("hosts:", "hosts:\n  - {name: lonely, address: 192.0.2.250, roles: [worker], ssh: {password: \"${file:./absent}\"}}");
        Path file = Files.writeString(tmp.resolve("inventory.yaml"), text);
        Inventory inv = loader().read(file, InventoryLoader.Use.LOCAL).inventory();
        assertEquals(24, inv.hosts().size());
        Host lonely = inv.host("lonely").orElseThrow();
        assertNull(lonely.ssh().password(), "a secret was read for a local command");
        assertNull(inv.hosts().get(0).ssh().passphrase());
        assertEquals(tmp.resolve("absent-key"), inv.hosts().get(0).ssh().privateKeyFile());

        // for the hosts, the missing key file is one error where it is written, not one per host
        BadInputException e = assertThrows(BadInputException.class, () -> loader().read(file, InventoryLoader.Use.HOSTS));
        List<String> problems = e.problems().stream().map(Problem::format).toList();
        assertEquals(3, problems.size(), String.join("\n", problems));
        assertEquals(1, problems.stream().filter(p -> p.contains("(ssh.privateKeyFile): private key file")).count());
        assertEquals(1, problems.stream().filter(p -> p.contains("(ssh.passphrase): environment variable KF_UNSET")).count());
        assertEquals(1, problems.stream().filter(p -> p.contains("(hosts[0].ssh.password): cannot read secret file")
                && p.contains("no such file")).count());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(file), left.toList());
        }
    }

    @Test
    void locationsFormatAsBeforeAndSortInFileOrder(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("inventory.yaml"),
                "cluster:\n  kubernetesVersion: 1.34.1\n  kubernetesVersio: 1.34.1\nhosts: []\n");
        BadInputException e = assertThrows(BadInputException.class, () -> loader().read(file));
        Problem first = e.problems().get(0);
        assertEquals(new Location.InFile(file.toString(), 3, 3, "cluster.kubernetesVersio"), first.location());
        assertEquals(file + ":3:3 (cluster.kubernetesVersio)", first.where());
        assertEquals(file + ":4:8 (hosts)", e.problems().get(1).where());
        assertEquals("--valid", Problem.error("--valid", "x").where());
        assertEquals("--valid: x", Problem.error("--valid", "x").format());
        assertEquals(file.toString(), Location.file(file.toString()).format());
    }

    /** Input that is not an inventory file is refused in words, located, exit 2; nothing is written. */
    @Test
    void unreadableInputIsRefusedInPlainWords(@TempDir Path tmp) throws IOException {
        assertRefused(tmp, "is a directory; pass the inventory YAML file with -i");
        assertRefused(tmp.resolve("nonexistent/inv.yaml"), "cannot read the inventory file (no such file); pass an existing inventory file with -i");
        assertRefused(Path.of("/dev/zero"), "larger than 2 MiB: not an inventory");
        String yaml = "cluster:\n  kubernetesVersion: 1.34.1\n";
        Path utf16 = Files.write(tmp.resolve("utf16.yaml"), yaml.getBytes(StandardCharsets.UTF_16));
        assertRefused(utf16, "the file is UTF-16 encoded; save it as UTF-8");
        Path utf16le = Files.write(tmp.resolve("utf16le.yaml"), yaml.getBytes(StandardCharsets.UTF_16LE));
        assertRefused(utf16le, "the file is UTF-16 encoded; save it as UTF-8");
        Path latin1 = Files.write(tmp.resolve("latin1.yaml"), "cluster:\n  name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        BadInputException e = assertRefused(latin1, "not UTF-8 text");
        assertEquals(latin1 + ":2:12", e.problems().get(0).where());
        Path binary = Files.write(tmp.resolve("binary.yaml"), new byte[]{'a', ':', ' ', 'b', '\n', 'c', 0, 1});
        e = assertRefused(binary, "a NUL byte: this is not a text file");
        assertEquals(binary + ":2:2", e.problems().get(0).where());
        // a UTF-8 byte order mark is accepted
        Path bom = Files.write(tmp.resolve("bom.yaml"), ("\ufeff" + Files.readString(corpusFile("good", "minimal.yaml")))
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("kubernetes", loader().read(bom).inventory().cluster().name());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of("binary.yaml", "bom.yaml", "latin1.yaml", "utf16.yaml", "utf16le.yaml"),
                    left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static Path corpusFile(String dir, String name) {
        try {
            return corpus(dir).resolve(name);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private BadInputException assertRefused(Path file, String message) {
        BadInputException e = assertThrows(BadInputException.class, () -> loader().read(file, InventoryLoader.Use.LOCAL));
        assertEquals(1, e.problems().size(), e.getMessage());
        Problem p = e.problems().get(0);
        assertTrue(p.message().startsWith(message), p.message());
        assertTrue(p.where().startsWith(file.toString()), p.where());
        assertEquals(io.kubeferry.errors.ExitCode.BAD_INPUT, e.exitCode());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
        return e;
    }

    /** Each file under inventories/bad lists the problems it must produce in '# expect:' lines, and no others. */
    @TestFactory
    Stream<DynamicTest> badInventoriesGiveLocatedErrors() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(corpus("bad"))) {
            files = s.sorted().toList();
        }
        assertTrue(files.size() >= 8);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> checkBad(f)));
    }

    /**
     * Loads a copy of the corpus file alone in a fresh directory, so that the test also proves the loader wrote
     * nothing next to it (no .kubeferry state directory, no log) when it refuses the file.
     */
    private void checkBad(Path corpusFile) throws IOException {
        Path dir = Files.createTempDirectory("bad-inventory");
        Path file = Files.copy(corpusFile, dir.resolve(corpusFile.getFileName()));
        List<String> expected = Files.readAllLines(file).stream()
                .filter(l -> l.startsWith("# expect: ")).map(l -> l.substring("# expect: ".length())).toList();
        assertFalse(expected.isEmpty(), "corpus file without expectations");
        for (String want : expected) {
            // every expectation pins the place: line:column and YAML path (or the whole file for a syntax error)
            assertTrue(want.matches("\\d+:\\d+ \\(.*") || want.startsWith("warning: ") || want.startsWith("not valid YAML")
                    || want.matches(".*\\.yaml:\\d+:\\d+"), "expectation without line:column: " + want);
        }
        BadInputException e = assertThrows(BadInputException.class, () -> loader().read(file));
        List<String> formatted = e.problems().stream().map(Problem::format).toList();
        List<String> unmatched = new ArrayList<>(formatted);
        for (String want : expected) {
            assertTrue(formatted.stream().anyMatch(p -> p.contains(want)),
                    () -> "expected a problem containing [" + want + "] in:\n" + String.join("\n", formatted));
            unmatched.removeIf(p -> p.contains(want));
        }
        assertEquals(List.of(), unmatched, "problems not listed in the corpus file's expectations");
        for (Problem p : e.problems()) {
            assertTrue(p.where().startsWith(file.toString()), "every problem names the file: " + p.where());
        }
        assertTrue(e.getMessage().contains(file.getFileName().toString()));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "the loader wrote next to the inventory");
        }
        Files.delete(file);
        Files.delete(dir);
    }

    @Test
    void cidrMath() {
        Cidr svc = Cidr.parse("10.96.0.0/12").orElseThrow();
        assertEquals("10.96.0.1", svc.address(1));
        assertTrue(svc.overlaps(Cidr.parse("10.100.0.0/16").orElseThrow()));
        assertFalse(svc.overlaps(Cidr.parse("10.244.0.0/16").orElseThrow()));
        assertEquals("fd00:0:0:0:0:0:0:a", Cidr.parse("fd00::/108").orElseThrow().address(10));
        assertTrue(Cidr.parse("10.1.2.3").isEmpty());
        assertTrue(Cidr.parseIp("example.com").isEmpty());
    }

    @Test
    void rangeExpansionKeepsPadding() {
        assertEquals(List.of("node08", "node09", "node10"), Ranges.expand("node[08:10]", new String[1]).orElseThrow());
        assertEquals(List.of("10.0.0.9", "10.0.0.10"), Ranges.expand("10.0.0.[9:10]", new String[1]).orElseThrow());
    }
}
