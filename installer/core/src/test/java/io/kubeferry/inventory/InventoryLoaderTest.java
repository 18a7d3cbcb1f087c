package io.kubeferry.inventory;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
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

    private void checkBad(Path file) throws IOException {
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
