package io.kubeferry.facts;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.HostFacts;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.install.BundleBinaries;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads a host's facts with one command (one round trip), so gathering stays fast on many hosts. */
public final class FactsGatherer {
    /** kubeadm's known CRI sockets besides containerd's, and Docker's own. */
    static final List<String> OTHER_RUNTIME_SOCKETS = List.of("/run/crio/crio.sock", "/var/run/crio/crio.sock",
            "/run/cri-dockerd.sock", "/var/run/cri-dockerd.sock", "/run/docker.sock", "/var/run/docker.sock");
    static final List<String> OTHER_RUNTIME_SERVICES = List.of("docker", "crio", "cri-docker");
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
            // MACs of their own (addr_assign_type 0 permanent, 3 set): random ones (veths, bridges, tunnels) cannot be clones
            "echo \"nics=$(for d in /sys/class/net/*; do t=$(cat \"$d/addr_assign_type\" 2>/dev/null); a=$(cat \"$d/address\" 2>/dev/null);"
                    + " case \"$t\" in 0|3) [ -n \"$a\" ] && [ \"$a\" != 00:00:00:00:00:00 ] && printf '%s@%s ' \"${d##*/}\" \"$a\";; esac; done)\"",
            "echo \"product.uuid=$(cat /sys/class/dmi/id/product_uuid 2>/dev/null)\"",
            // systemd's PATH: what the kubelet and the installer's units will find, whoever logged in
            "echo \"commands.missing=$(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin;"
                    + " for c in " + String.join(" ", Preflight.PROBED_COMMANDS) + "; do command -v \"$c\" >/dev/null 2>&1 || printf '%s ' \"$c\"; done)\"",
            "echo \"runtimes=$(for s in " + String.join(" ", OTHER_RUNTIME_SOCKETS) + "; do [ -S \"$s\" ] && printf 'socket:%s ' \"$s\"; done;"
                    + " for u in " + String.join(" ", OTHER_RUNTIME_SERVICES) + "; do [ \"$(systemctl is-active \"$u\" 2>/dev/null)\" = active ]"
                    + " && printf 'service:%s ' \"$u\"; done)\"",
            // every kubelet on systemd's PATH (once per real file); only one Kubeferry did not install is run for its version
            "stamp=$(cat " + BundleBinaries.INSTALLED_DIR + "/kubelet.sha256 2>/dev/null); echo \"kubelet.stamp=$stamp\"; seen=' '",
            "for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin /opt/bin; do p=\"$d/kubelet\"; [ -f \"$p\" ] || continue;"
                    + " r=$(readlink -f \"$p\"); case \"$seen\" in *\" $r \"*) continue;; esac; seen=\"$seen$r \";"
                    + " h=$(sha256sum < \"$p\" 2>/dev/null | cut -d' ' -f1); v=; if [ \"$h\" != \"$stamp\" ]; then"
                    + " v=$(timeout 5 \"$p\" --version </dev/null 2>/dev/null | head -n 1); fi; echo \"kubelet=$p|$h|$v\"; done",
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
        List<HostFacts.Kubelet> kubelets = new ArrayList<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.startsWith("kubelet=")) {
                String[] k = line.substring(eq + 1).split("\\|", 3);
                kubelets.add(new HostFacts.Kubelet(k[0], k.length > 1 ? k[1].strip() : "", k.length > 2 ? k[2].strip() : ""));
            } else if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        List<HostFacts.Nic> nics = new ArrayList<>();
        for (String n : words(kv.get("nics"))) {
            int at = n.lastIndexOf('@');
            if (at > 0) {
                nics.add(new HostFacts.Nic(n.substring(0, at), n.substring(at + 1).toLowerCase(java.util.Locale.ROOT)));
            }
        }
        // /var/run is /run on current systems: one runtime, said once
        List<String> runtimes = words(kv.get("runtimes")).stream().map(r -> r.replace("socket:/var/run/", "socket:/run/"))
                .map(r -> r.replaceFirst(":", " ")).distinct().toList();
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
                "1".equals(kv.get("resolved")), nics, kv.getOrDefault("product.uuid", ""),
                words(kv.get("commands.missing")), runtimes, kubelets, kv.getOrDefault("kubelet.stamp", ""));
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

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : List.of(s.strip().split("\\s+"));
    }

    private static long number(String s) {
        try {
            return s == null || s.isEmpty() ? 0 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
