package io.kubeferry.facts;

import io.kubeferry.host.HostFacts;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Role;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The judgement of facts: each host alone and the hosts against each other. Facts come from script output. */
class PreflightTest {
    private static final String HEALTHY = """
            hostname=%s
            arch=x86_64
            cgroupfs=cgroup2fs
            swap.kb=0
            selinux=absent
            disk.varlib.kb=52428800
            init=systemd
            ip.forward=1
            br.netfilter=1
            nics=eth0@52:54:00:00:00:%s
            product.uuid=4c4c4544-0000-0000-0000-0000000000%s
            commands.missing=
            runtimes=
            kubelet.stamp=
            """;
    private static final KubernetesVersion V132 = KubernetesVersion.parse("1.32.3").orElseThrow();
    private static final KubernetesVersion V133 = KubernetesVersion.parse("1.33.2").orElseThrow();
    private static final Host CP = host("cp1", Role.CONTROL_PLANE);
    private static final Host W1 = host("w1", Role.WORKER);
    private static final Host W2 = host("w2", Role.WORKER);
    private static final Host ETCD = host("etcd1", Role.ETCD);

    private static Host host(String name, Role role) {
        return new Host(name, "10.0.0.1", "10.0.0.1", null, Set.of(role), Map.of(), List.of());
    }

    private static HostFacts facts(String name, String n, String... changes) {
        String out = HEALTHY.formatted(name, n, n);
        for (int i = 0; i < changes.length; i += 2) {
            out = out.replaceFirst("(?m)^" + java.util.regex.Pattern.quote(changes[i]) + ".*$",
                    java.util.regex.Matcher.quoteReplacement(changes[i + 1]));
        }
        return FactsGatherer.parse(out, System.currentTimeMillis());
    }

    private static List<String> messages(List<Preflight.Finding> findings, Preflight.Level level) {
        return findings.stream().filter(f -> f.level() == level).map(f -> f.host() + ": " + f.message()).toList();
    }

    @Test
    void aHealthyNodeHasNoFinding() {
        assertEquals(List.of(), new Preflight(V133).check(CP, facts("cp1", "01")));
    }

    @Test
    void commandsFollowKubeadmsListOfTheClustersMinor() {
        HostFacts f = facts("w1", "01", "commands.missing=", "commands.missing=iptables ethtool losetup ");
        List<Preflight.Finding> old = new Preflight(V132).check(W1, f);
        assertEquals(List.of("w1: iptables not found on systemd's PATH: the kubelet needs it (kubeadm 1.32: mandatory);"
                + " install it from the OS packages"), messages(old, Preflight.Level.ERROR));
        assertTrue(messages(old, Preflight.Level.WARNING).get(0).startsWith("w1: ethtool not found"), old.toString());
        List<Preflight.Finding> current = new Preflight(V133).check(W1, f);
        assertEquals(1, current.size(), current.toString());
        assertTrue(messages(current, Preflight.Level.ERROR).get(0).startsWith("w1: losetup not found"), current.toString());
    }

    @Test
    void curlOrWgetIsEnoughAndAnEtcdOnlyHostNeedsNoNodeTools() {
        HostFacts noCurl = facts("w1", "01", "commands.missing=", "commands.missing=curl losetup");
        assertEquals(1, new Preflight(V133).check(W1, noCurl).size());
        HostFacts neither = facts("w1", "01", "commands.missing=", "commands.missing=curl wget");
        assertEquals(List.of("w1: curl or wget not found on systemd's PATH: the installer asks the kubelet's /healthz with"
                + " one of them; install it from the OS packages"), messages(new Preflight(V133).check(W1, neither), Preflight.Level.ERROR));
        assertEquals(List.of(), new Preflight(V133).check(ETCD, noCurl), "etcd-only hosts run no kubelet");
        HostFacts noTar = facts("etcd1", "01", "commands.missing=", "commands.missing=tar");
        assertEquals(1, messages(new Preflight(V133).check(ETCD, noTar), Preflight.Level.ERROR).size());
    }

    @Test
    void whatTheBundleBringsIsNotRequired() {
        HostFacts f = facts("w1", "01", "commands.missing=", "commands.missing=mount");
        assertEquals(1, new Preflight(V133).check(W1, f).size());
        assertEquals(List.of(), new Preflight(V133, Map.of(), Set.of("mount")).check(W1, f));
        assertTrue(new Preflight(V133).requiredCommands(true).stream()
                .noneMatch(c -> c.anyOf().contains("containerd") || c.anyOf().contains("runc")));
    }

    @Test
    void anotherRuntimeIsAnErrorThatSaysWhatToDo() {
        HostFacts f = facts("w1", "01", "runtimes=", "runtimes=socket:/var/run/crio/crio.sock socket:/run/crio/crio.sock service:crio");
        List<String> errors = messages(new Preflight(V133).check(W1, f), Preflight.Level.ERROR);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("w1: another container runtime is here (socket /run/crio/crio.sock, service crio)"), errors.get(0));
        assertTrue(errors.get(0).contains("installer reset"), errors.get(0));
    }

    @Test
    void kubeletsAreJudgedByWhoInstalledThemAndTheirVersion() {
        String sha = "a".repeat(64);
        Preflight p = new Preflight(V133, Map.of("amd64", "b".repeat(64)), Set.of("kubelet"));
        HostFacts stamped = facts("w1", "01", "kubelet.stamp=", "kubelet.stamp=" + sha + "\nkubelet=/usr/local/bin/kubelet|" + sha + "|");
        assertEquals(List.of(), p.check(W1, stamped), "the kubelet Kubeferry installed");
        HostFacts bundles = facts("w1", "01", "kubelet.stamp=", "kubelet.stamp=\nkubelet=/usr/local/bin/kubelet|" + "b".repeat(64) + "|");
        assertEquals(List.of(), p.check(W1, bundles), "the bundle's own kubelet, stamp lost");
        HostFacts unknown = facts("w1", "01", "kubelet.stamp=", "kubelet.stamp=" + sha + "\nkubelet=/usr/local/bin/kubelet|" + "c".repeat(64) + "|Kubernetes v1.31.0");
        String e = messages(p.check(W1, unknown), Preflight.Level.ERROR).get(0);
        assertTrue(e.startsWith("w1: an unknown kubelet binary at /usr/local/bin/kubelet (reports 'Kubernetes v1.31.0', sha256 cccccccccccc)"), e);
        HostFacts packaged = facts("w1", "01", "kubelet.stamp=", "kubelet.stamp=\nkubelet=/usr/bin/kubelet|" + "d".repeat(64) + "|Kubernetes v1.33.20");
        e = messages(p.check(W1, packaged), Preflight.Level.ERROR).get(0);
        assertTrue(e.startsWith("w1: a kubelet not installed by Kubeferry at /usr/bin/kubelet (reports 'Kubernetes v1.33.20';"
                + " the bundle brings v1.33.2)"), e);
        HostFacts sameVersion = facts("w1", "01", "kubelet.stamp=", "kubelet.stamp=\nkubelet=/usr/bin/kubelet|" + "d".repeat(64) + "|Kubernetes v1.33.2");
        List<Preflight.Finding> same = p.check(W1, sameVersion);
        assertEquals(1, same.size(), same.toString());
        assertEquals(Preflight.Level.WARNING, same.get(0).level());
    }

    @Test
    void forwardingAndBrNetfilterAreReportedNotFailedOnNodesOnly() {
        HostFacts f = facts("w1", "01", "ip.forward=", "ip.forward=0", "br.netfilter=", "br.netfilter=0");
        List<Preflight.Finding> node = new Preflight(V133).check(W1, f);
        assertEquals(2, messages(node, Preflight.Level.NOTE).size(), node.toString());
        assertTrue(messages(node, Preflight.Level.NOTE).get(0).contains("kernel-settings component sets it to 1"));
        assertEquals(List.of(), messages(node, Preflight.Level.ERROR));
        assertEquals(List.of(), new Preflight(V133).check(ETCD, f));
    }

    @Test
    void duplicateMacsAreErrorsOnEveryHostThatHasThem() {
        Map<Host, HostFacts> all = new LinkedHashMap<>();
        all.put(CP, facts("cp1", "01"));
        all.put(W1, facts("w1", "02", "nics=", "nics=eth0@52:54:00:00:00:02 eth1@52:54:00:AA:00:01"));
        all.put(W2, facts("w2", "03", "nics=", "nics=ens3@52:54:00:aa:00:01"));
        List<String> errors = messages(new Preflight(V133).checkAcross(all), Preflight.Level.ERROR);
        assertEquals(List.of(
                "w1: MAC address 52:54:00:aa:00:01 of eth1 is also on w2: machines cloned with their MAC addresses lose"
                        + " packets on a shared network and Kubernetes needs them unique; give each machine its own MAC address",
                "w2: MAC address 52:54:00:aa:00:01 of ens3 is also on w1: machines cloned with their MAC addresses lose"
                        + " packets on a shared network and Kubernetes needs them unique; give each machine its own MAC address"),
                errors);
    }

    @Test
    void duplicateAndInvalidHostnamesAndProductUuidsAreWarnings() {
        Map<Host, HostFacts> all = new LinkedHashMap<>();
        all.put(CP, facts("cp1", "01"));
        all.put(W1, facts("node", "02", "product.uuid=", "product.uuid=4C4C4544-0000-0000-0000-0000000000FF"));
        all.put(W2, facts("node", "03", "product.uuid=", "product.uuid=4c4c4544-0000-0000-0000-0000000000ff"));
        all.put(ETCD, facts("Etcd_1", "04"));
        List<Preflight.Finding> found = new Preflight(V133).checkAcross(all);
        assertEquals(List.of(), messages(found, Preflight.Level.ERROR));
        List<String> warnings = messages(found, Preflight.Level.WARNING);
        assertEquals(5, warnings.size(), warnings.toString());
        assertTrue(warnings.contains("etcd1: hostname 'Etcd_1' is not a valid node name (DNS-1123: lower-case letters,"
                + " digits, '-' and '.', at most 253): kubeadm would refuse to register it; Kubeferry registers the node as"
                + " 'etcd1' (--hostname-override), but tools that read the hostname will disagree; rename it (hostnamectl"
                + " set-hostname etcd1)"), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("w1: hostname 'node' is also the hostname of w2")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("w2: hostname 'node' is also the hostname of w1")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("w1: product_uuid 4C4C4544-0000-0000-0000-0000000000FF is"
                + " also the product_uuid of w2")), warnings.toString());
    }

    @Test
    void anUnreadableProductUuidIsSaidOnceForAllHosts() {
        Map<Host, HostFacts> all = new LinkedHashMap<>();
        all.put(W2, facts("w2", "03", "product.uuid=", "product.uuid="));
        all.put(W1, facts("w1", "02", "product.uuid=", "product.uuid="));
        all.put(CP, facts("cp1", "01"));
        List<Preflight.Finding> found = new Preflight(V133).checkAcross(all);
        assertEquals(List.of("w1: /sys/class/dmi/id/product_uuid cannot be read on w1, w2 (containers and machines without"
                + " DMI have none): whether the machines' product_uuid is unique was not checked"),
                messages(found, Preflight.Level.NOTE));
        assertEquals(1, found.size(), found.toString());
    }
}
