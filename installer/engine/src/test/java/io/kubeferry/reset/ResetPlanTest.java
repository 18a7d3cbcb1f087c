package io.kubeferry.reset;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ResetPlanTest {
    static final String FOUND = """
            swap=/swapfile,/dev/sdb2
            selinux=enforcing
            sysctl.net.ipv4.ip_forward=0
            sysctl.net.ipv6.conf.all.forwarding=0
            sysctl.net.bridge.bridge-nf-call-iptables=
            sysctl.net.bridge.bridge-nf-call-ip6tables=
            modules=overlay
            services=docker
            absent=/etc/kubernetes,/var/lib/kubelet,/run/containerd
            interfaces=lo,eth0
            enabled=containerd
            empty=/var/lib/containerd,/var/lib/etcd
            modes=/var/lib/containerd:755,/var/lib/etcd:700
            uploads=
            """;

    @Test
    void foundIsParsed() {
        HostRecord.Found f = HostRecord.Found.parse(FOUND);
        assertEquals(List.of("/swapfile", "/dev/sdb2"), f.swapDevices());
        assertEquals("enforcing", f.selinux());
        assertEquals("0", f.sysctl("net.ipv4.ip_forward"));
        assertEquals("", f.sysctl("net.bridge.bridge-nf-call-iptables"));
        assertEquals(java.util.Set.of("overlay"), f.modules().orElseThrow());
        assertTrue(HostRecord.Found.parse("modules=?").modules().isEmpty(), "unreadable /proc/modules: unknown, not none");
        assertEquals(List.of("docker"), f.activeServices());
        assertEquals(List.of("/var/lib/containerd", "/var/lib/etcd"), f.emptyDirs());
        assertEquals(Map.of("/var/lib/containerd", "755", "/var/lib/etcd", "700"), f.modes());
    }

    @Test
    void restorePutsBackOnlyWhatDiffers() {
        HostRecord.Found found = HostRecord.Found.parse(FOUND);
        HostRecord.Found now = HostRecord.Found.parse("""
                swap=/dev/sdb2
                selinux=permissive
                sysctl.net.ipv4.ip_forward=1
                sysctl.net.ipv6.conf.all.forwarding=0
                sysctl.net.bridge.bridge-nf-call-iptables=1
                modules=overlay,br_netfilter
                services=
                """);
        List<String> cmds = ResetPlan.restore(found, now).stream().map(ResetPlan.Step::command).toList();
        assertEquals(List.of("swapon /swapfile", "setenforce 1", "sysctl -q -w net.ipv4.ip_forward=0"),
                cmds.subList(0, 3), cmds.toString());
        assertTrue(cmds.get(3).startsWith("modprobe -r br_netfilter"), cmds.toString());
        assertEquals("systemctl enable containerd", cmds.get(4));
        assertEquals("systemctl start docker", cmds.get(5));
        assertEquals(6, cmds.size(), "ip6 forwarding unchanged; bridge sysctls did not exist before: " + cmds);
        assertTrue(ResetPlan.restore(found, found).isEmpty(), "as found: nothing to do");
    }

    @Test
    void filesAreRemovedOrPutBackThenDirectoriesDeepestFirst() {
        Map<String, List<HostRecord.Entry>> records = new LinkedHashMap<>();
        records.put("kubelet", HostRecord.parseEntries("""
                f /var/lib/kubelet/config.yaml
                d /var/lib/kubelet
                d /var/lib/kubelet/pki
                o /etc/fstab
                f /etc/fstab
                garbage line
                f relative/path
                d /
                """));
        records.put("runc binary", HostRecord.parseEntries("f /usr/local/sbin/runc\nf /usr/local/sbin/runc\n"));
        List<String> cmds = ResetPlan.files(records).stream().map(ResetPlan.Step::command).toList();
        assertEquals(List.of(
                "rm -f -- /var/lib/kubelet/config.yaml",
                "rm -f -- /usr/local/sbin/runc",
                "if [ -e /var/lib/kubeferry/found/files/etc/fstab ] || [ -L /var/lib/kubeferry/found/files/etc/fstab ];"
                        + " then rm -f -- /etc/fstab && cp -a /var/lib/kubeferry/found/files/etc/fstab /etc/fstab; fi",
                "rm -rf -- /var/lib/kubelet/pki",
                "rm -rf -- /var/lib/kubelet"), cmds);
    }

    @Test
    void runtimePathsAbsentBeforeAreRemovedAndEmptyOnesEmptiedWithTheirMode() {
        HostRecord.Found found = HostRecord.Found.parse(FOUND);
        HostRecord.Found now = HostRecord.Found.parse("absent=/run/containerd\nempty=/var/lib/etcd\n"
                + "modes=/var/lib/containerd:700,/var/lib/etcd:700\nuploads=/var/tmp/kubeferry-upload-kfuser");
        List<String> cmds = ResetPlan.runtimePaths(found, now, java.util.Set.of("/etc/kubernetes")).stream()
                .map(ResetPlan.Step::command).toList();
        assertEquals(List.of("rm -rf -- /var/lib/kubelet",
                "find /var/lib/containerd -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +",
                "chmod 755 /var/lib/containerd",
                "rm -rf -- /var/tmp/kubeferry-upload-kfuser"), cmds, "/etc/kubernetes: removed with the records' directories");
    }

    @Test
    void readRecordsOfAHost() {
        ResetRun.HostState never = ResetRun.parse("kf-h1", "");
        assertFalse(never.installed());
        ResetRun.HostState s = ResetRun.parse("kf-h1", "#found\nswap=\n#record /var/lib/kubeferry/written/kubelet.paths\n"
                + "f /etc/a\n#record /var/lib/kubeferry/installed/runc.files\nf /usr/local/sbin/runc\n#images\nimg:1\nimg:1\n");
        assertTrue(s.installed());
        assertEquals(List.of("kubelet", "runc binary"), List.copyOf(s.records().keySet()));
        assertEquals(List.of("img:1"), s.images());
        assertThrows(io.kubeferry.errors.UnexpectedStateException.class, () -> ResetRun.parse("kf-h1", "#unrecorded\n"));
    }
}
