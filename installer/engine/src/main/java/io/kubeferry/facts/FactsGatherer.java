package io.kubeferry.facts;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.HostFacts;
import io.kubeferry.host.RemoteHost;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads a host's facts with one command (one round trip), so gathering stays fast on many hosts. */
public final class FactsGatherer {
    /** POSIX sh; prints key=value lines. Each probe tolerates a missing tool. */
    static final String SCRIPT = String.join("\n",
            "echo \"hostname=$(cat /proc/sys/kernel/hostname 2>/dev/null)\"",
            "if [ -r /etc/os-release ]; then . /etc/os-release; fi",
            "echo \"os.id=${ID:-}\"; echo \"os.version=${VERSION_ID:-}\"; echo \"os.pretty=${PRETTY_NAME:-}\"",
            "echo \"arch=$(uname -m)\"; echo \"kernel=$(uname -r)\"",
            "echo \"cgroupfs=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)\"",
            "echo \"swap.kb=$(awk 'NR>1{s+=$3} END{print s+0}' /proc/swaps 2>/dev/null)\"",
            "if [ -r /sys/fs/selinux/enforce ]; then echo \"selinux=$(cat /sys/fs/selinux/enforce)\"; else echo selinux=absent; fi",
            "echo \"disk.varlib.kb=$(df -Pk /var/lib 2>/dev/null | awk 'NR==2{print $4}')\"",
            "echo \"mem.kb=$(awk '/^MemTotal/{print $2}' /proc/meminfo)\"",
            "echo \"cpus=$(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)\"",
            "echo \"ports=$( (ss -ltnH 2>/dev/null || netstat -ltn 2>/dev/null | tail -n +3) | awk '{print $4}' | sed 's/.*://' | sort -un | tr '\\n' ' ')\"",
            "echo \"init=$(cat /proc/1/comm 2>/dev/null)\"",
            "echo \"containerd=$(containerd --version 2>/dev/null | awk '{print $3}')\"",
            "echo \"ip.forward=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)\"",
            "if [ -d /proc/sys/net/bridge ]; then echo br.netfilter=1; else echo br.netfilter=0; fi",
            "if grep -qs '^nameserver 127.0.0.53' /etc/resolv.conf && [ -s /run/systemd/resolve/resolv.conf ]; then echo resolved=1; else echo resolved=0; fi",
            "echo \"time.ms=$(date +%s%3N)\"");

    public HostFacts gather(RemoteHost host) {
        long before = System.currentTimeMillis();
        ExecResult r = host.exec(SCRIPT, Duration.ofSeconds(30));
        long after = System.currentTimeMillis();
        if (!r.ok()) {
            throw new HostFailureException(host.name(), "gathering facts failed (exit " + r.exitCode() + "): "
                    + r.stderr().strip());
        }
        return parse(r.stdout(), (before + after) / 2);
    }

    static HostFacts parse(String output, long localMidpointMillis) {
        Map<String, String> kv = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        String cgroupfs = kv.getOrDefault("cgroupfs", "");
        int cgroup = cgroupfs.equals("cgroup2fs") ? 2 : cgroupfs.equals("tmpfs") ? 1 : 0;
        String selinux = switch (kv.getOrDefault("selinux", "absent")) {
            case "1" -> "enforcing";
            case "0" -> "permissive";
            default -> "disabled";
        };
        List<Integer> ports = new ArrayList<>();
        for (String p : kv.getOrDefault("ports", "").split("\\s+")) {
            if (p.matches("\\d+")) {
                ports.add(Integer.parseInt(p));
            }
        }
        long remoteMs = number(kv.get("time.ms"));
        double skew = remoteMs > 0 ? (remoteMs - localMidpointMillis) / 1000.0 : 0;
        return new HostFacts(kv.getOrDefault("hostname", ""), kv.getOrDefault("os.id", ""),
                kv.getOrDefault("os.version", ""), kv.getOrDefault("os.pretty", ""),
                kubernetesArch(kv.getOrDefault("arch", "")), kv.getOrDefault("kernel", ""), cgroup,
                number(kv.get("swap.kb")), selinux, number(kv.get("disk.varlib.kb")), number(kv.get("mem.kb")),
                (int) number(kv.get("cpus")), skew, ports, kv.getOrDefault("init", ""),
                kv.getOrDefault("containerd", ""), "1".equals(kv.get("ip.forward")), "1".equals(kv.get("br.netfilter")),
                "1".equals(kv.get("resolved")));
    }

    /** uname -m to the names Kubernetes release files use. */
    static String kubernetesArch(String uname) {
        return switch (uname) {
            case "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            default -> uname;
        };
    }

    private static long number(String s) {
        try {
            return s == null || s.isEmpty() ? 0 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
