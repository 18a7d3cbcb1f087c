package io.kubeferry.render;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.ImageSet;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every static pod's flags equal kubeadm's (the reference, transcribed in kubeadm-reference-flags.txt) except the
 * differences documented in installer/render/README.md, which this test reads.
 */
class FlagReferenceTest {
    static final List<String> PODS = List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd");

    record Difference(String pod, String flag, String versions, String kubeadm, String kubeferry) {
        boolean appliesTo(String minor) {
            return versions.equals("all") || List.of(versions.split(",\\s*")).contains(minor);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.32.9", "1.33.5", "1.34.1"})
    void staticPodFlagsEqualKubeadmsExceptDocumentedDifferences(String version) throws IOException {
        Inventory inv = Fixtures.ha().version(version).build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        boolean etcd36 = ImageSet.defaultsFor(inv.cluster()).etcdAtLeast36();
        List<Difference> diffs = documentedDifferences();
        String minor = inv.cluster().kubernetesVersion().minorVersion();
        for (Host cp : inv.controlPlanes()) {
            for (String pod : PODS) {
                Map<String, String> expected = referenceFlags(pod, etcd36, placeholders(inv, cp));
                for (Difference d : diffs) {
                    if (!d.pod().equals(pod) || !d.appliesTo(minor)) {
                        continue;
                    }
                    String kubeadmValue = expand(d.kubeadm(), placeholders(inv, cp));
                    assertEquals(kubeadmValue.equals("(absent)") ? null : kubeadmValue, expected.get(d.flag()),
                            "README's kubeadm column for " + pod + " " + d.flag() + " does not match the reference");
                    String ours = expand(d.kubeferry(), placeholders(inv, cp));
                    if (ours.equals("(absent)")) {
                        expected.remove(d.flag());
                    } else {
                        expected.put(d.flag(), ours);
                    }
                }
                assertEquals(expected, renderedFlags(rc, cp, pod), version + " " + cp.name() + " " + pod);
            }
        }
    }

    @Test
    void extraArgsReplaceDefaultsByNameAndAddNewFlags() {
        Inventory inv = Fixtures.ha().extraArgs(Map.of(
                "kube-apiserver", Map.of("service-cluster-ip-range", "10.96.0.0/16", "audit-log-maxage", "30"),
                "kube-scheduler", Map.of("bind-address", "0.0.0.0"),
                "etcd", Map.of("snapshot-count", "5000"))).build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host cp1 = inv.controlPlanes().get(0);
        Map<String, String> api = renderedFlags(rc, cp1, "kube-apiserver");
        assertEquals("10.96.0.0/16", api.get("--service-cluster-ip-range"));
        assertEquals("30", api.get("--audit-log-maxage"));
        assertEquals("10.20.0.11", api.get("--advertise-address"));
        assertEquals("5000", renderedFlags(rc, cp1, "etcd").get("--snapshot-count"));
        Map<String, Object> sched = TestSupport.yamlMap(file(rc, cp1, "kube-scheduler").text());
        assertEquals("0.0.0.0", renderedFlags(rc, cp1, "kube-scheduler").get("--bind-address"));
        // kubeadm: a wildcard bind address means no probe host, so the kubelet uses the pod IP
        @SuppressWarnings("unchecked")
        Map<String, Object> httpGet = (Map<String, Object>) TestSupport.at(sched, "spec", "containers", "0",
                "livenessProbe", "httpGet");
        assertFalse(httpGet.containsKey("host"));
        // flags stay sorted by name, as kubeadm renders them
        List<String> keys = new ArrayList<>(api.keySet());
        List<String> commandOrder = commandFlags(rc, cp1, "kube-apiserver").stream().map(f -> f.split("=", 2)[0]).toList();
        assertEquals(keys, commandOrder);
    }

    @Test
    void authorizationConfigRemovesAuthorizationMode() {
        Inventory inv = Fixtures.ha().extraArgs(Map.of(
                "kube-apiserver", Map.of("authorization-config", "/etc/kubernetes/authz.yaml"))).build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Map<String, String> api = renderedFlags(rc, inv.controlPlanes().get(0), "kube-apiserver");
        assertFalse(api.containsKey("--authorization-mode"));
        assertTrue(api.containsKey("--authorization-config"));
    }

    @Test
    void externalCaGivesTheControllerManagerEmptySigningFlagsAsKubeadm() {
        // reference 3.4: UsingExternalCA (ca.crt without ca.key) renders both signing flags as ""
        Inventory inv = Fixtures.ha().build();
        RenderService svc = new RenderService(TemplateSource.builtIn());
        Host cp1 = inv.controlPlanes().get(0);
        List<String> external = commandFlags(svc.renderAll(inv, RenderInputs.none().withExternalCa(true)), cp1,
                "kube-controller-manager");
        assertTrue(external.contains("--cluster-signing-cert-file="), external.toString());
        assertTrue(external.contains("--cluster-signing-key-file="), external.toString());
        assertEquals("/etc/kubernetes/pki/ca.crt", renderedFlags(svc.renderAll(inv, RenderInputs.none().withExternalCa(true)),
                cp1, "kube-controller-manager").get("--root-ca-file"), "only the signing flags change");
        Map<String, String> own = renderedFlags(svc.renderAll(inv), cp1, "kube-controller-manager");
        assertEquals("/etc/kubernetes/pki/ca.crt", own.get("--cluster-signing-cert-file"));
        assertEquals("/etc/kubernetes/pki/ca.key", own.get("--cluster-signing-key-file"));
    }

    // --- helpers

    static HostFile file(RenderedCluster rc, Host h, String pod) {
        return rc.filesFor(h.name()).stream()
                .filter(f -> f.path().equals("/etc/kubernetes/manifests/" + pod + ".yaml")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + pod + " manifest on " + h.name()));
    }

    @SuppressWarnings("unchecked")
    static List<String> commandFlags(RenderedCluster rc, Host h, String pod) {
        Map<String, Object> doc = TestSupport.yamlMap(file(rc, h, pod).text());
        List<String> command = (List<String>) TestSupport.at(doc, "spec", "containers", "0", "command");
        assertEquals(pod, command.get(0));
        return command.subList(1, command.size());
    }

    static Map<String, String> renderedFlags(RenderedCluster rc, Host h, String pod) {
        Map<String, String> flags = new TreeMap<>();
        for (String f : commandFlags(rc, h, pod)) {
            String[] kv = f.split("=", 2);
            flags.put(kv[0], kv.length == 2 ? kv[1] : "");
        }
        return flags;
    }

    static Map<String, String> placeholders(Inventory inv, Host cp) {
        List<String> members = new ArrayList<>();
        for (Host m : inv.etcdMembers()) {
            members.add(m.name() + "=https://" + m.internalAddress() + ":2380");
        }
        return Map.of("<node>", cp.name(), "<adv>", cp.internalAddress(), "<port>", "6443",
                "<svc>", inv.cluster().networking().serviceSubnet().toString(),
                "<pods>", inv.cluster().networking().podSubnet().toString(),
                "<dom>", inv.cluster().networking().dnsDomain(), "<cluster>", inv.cluster().name(),
                "<members>", String.join(",", members));
    }

    static String expand(String s, Map<String, String> placeholders) {
        String out = s;
        for (Map.Entry<String, String> e : placeholders.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    static Map<String, String> referenceFlags(String pod, boolean etcd36, Map<String, String> placeholders)
            throws IOException {
        Path file = TestSupport.repoRoot().resolve("installer/render/src/test/resources/kubeadm-reference-flags.txt");
        Map<String, String> flags = new TreeMap<>();
        boolean in = false;
        for (String line : Files.readAllLines(file)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            if (l.startsWith("[")) {
                String[] head = l.substring(1, l.length() - 1).split(" ");
                in = head[0].equals(pod) && (head.length == 1
                        || (head[1].equals("etcd>=3.6") && etcd36) || (head[1].equals("etcd<3.6") && !etcd36));
                continue;
            }
            if (in) {
                String[] kv = expand(l, placeholders).split("=", 2);
                flags.put(kv[0], kv[1]);
            }
        }
        assertFalse(flags.isEmpty(), "no reference flags for " + pod);
        return flags;
    }

    /** Rows of the flag table in installer/render/README.md. */
    static List<Difference> documentedDifferences() throws IOException {
        Path readme = TestSupport.repoRoot().resolve("installer/render/README.md");
        List<Difference> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(readme)) {
            if (line.startsWith("## Differences from kubeadm's static pod flags")) {
                inTable = true;
                continue;
            }
            if (inTable && line.startsWith("Other differences")) {
                break;
            }
            if (!inTable || !line.startsWith("|") || line.startsWith("|---") || line.startsWith("| Pod ")) {
                continue;
            }
            String[] cells = line.split("\\|");
            rows.add(new Difference(cells[1].strip(), unquote(cells[2]), cells[3].strip(), unquote(cells[4]),
                    unquote(cells[5])));
        }
        assertFalse(rows.isEmpty(), "README has no flag difference table");
        return rows;
    }

    private static String unquote(String cell) {
        return cell.strip().replace("`", "");
    }
}
