package io.kubeferry.install;

import io.kubeferry.host.RemoteHost;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Why a node's kubelet or control plane does not come up, found on the host with evidence: the kubelet not
 * running (its journal's last lines), swap on, SELinux enforcing, the kubelet's and containerd's cgroup drivers
 * differing, control-plane containers that exited (their last log lines). One read-only command; used when a
 * wait times out and by {@code installer diagnose}.
 */
public final class HostDiagnosis {
    /** One cause found, with what shows it. */
    public record Cause(String summary, String evidence) {
        public String format() {
            return evidence.isBlank() ? summary : summary + "\n" + evidence.lines().map(l -> "      | " + l)
                    .reduce((a, b) -> a + "\n" + b).orElse("");
        }
    }

    static final String SCRIPT = String.join("\n",
            "echo \"kubelet.active=$(systemctl is-active kubelet 2>/dev/null)\"",
            "echo \"kubelet.healthz=$( (curl -fsS --max-time 2 http://127.0.0.1:10248/healthz || wget -qO- -T 2"
                    + " http://127.0.0.1:10248/healthz) 2>/dev/null | head -c 20)\"",
            "echo \"swap.kb=$(awk 'NR>1{s+=$3} END{print s+0}' /proc/swaps 2>/dev/null)\"",
            "if command -v getenforce >/dev/null 2>&1; then echo \"selinux=$(getenforce 2>/dev/null)\";"
                    + " elif [ -r /sys/fs/selinux/enforce ]; then echo \"selinux=$(cat /sys/fs/selinux/enforce)\"; else echo selinux=absent; fi",
            "echo \"kubelet.cgroupDriver=$(awk -F': *' '/^cgroupDriver:/{print $2}' /var/lib/kubelet/config.yaml 2>/dev/null)\"",
            "echo \"containerd.systemdCgroup=$(grep -Eo 'SystemdCgroup *= *(true|false)' /etc/containerd/config.toml 2>/dev/null | awk '{print $NF}' | tail -1)\"",
            "echo '--- journal'",
            "journalctl -u kubelet -n 12 --no-pager 2>&1 | tail -n 12",
            "echo '--- exited'",
            "if command -v crictl >/dev/null 2>&1; then crictl ps -a --state exited -o json 2>/dev/null"
                    + " | grep -Eo '\"(id|name)\": *\"[^\"]*\"' | paste - - | head -n 5; fi",
            "echo '--- end'");

    private HostDiagnosis() {
    }

    public static List<Cause> diagnose(RemoteHost remote) {
        String out = remote.exec(SCRIPT, Duration.ofSeconds(30)).stdout();
        return judge(out, remote);
    }

    static List<Cause> judge(String out, RemoteHost remote) {
        Map<String, String> kv = new HashMap<>();
        String section = "";
        StringBuilder journal = new StringBuilder();
        List<String> exited = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("--- ")) {
                section = line.substring(4);
                continue;
            }
            switch (section) {
                case "" -> {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        kv.put(line.substring(0, eq), line.substring(eq + 1).strip());
                    }
                }
                case "journal" -> journal.append(line).append('\n');
                case "exited" -> {
                    if (!line.isBlank()) {
                        exited.add(line);
                    }
                }
                default -> {
                }
            }
        }
        List<Cause> causes = new ArrayList<>();
        long swapKb = parse(kv.get("swap.kb"));
        if (swapKb > 0) {
            causes.add(new Cause("swap is on (" + swapKb / 1024 + " MiB): the kubelet refuses to start with swap"
                    + " (failSwapOn); run `swapoff -a` and remove it from /etc/fstab (apply does both unless --no-fix)", ""));
        }
        String selinux = kv.getOrDefault("selinux", "absent");
        if (selinux.equalsIgnoreCase("enforcing") || selinux.equals("1")) {
            causes.add(new Cause("SELinux is enforcing: static pods cannot read their hostPath files without the right"
                    + " labels; set it permissive (`setenforce 0`, SELINUX=permissive in /etc/selinux/config)", ""));
        }
        String kubeletDriver = kv.getOrDefault("kubelet.cgroupDriver", "");
        String systemdCgroup = kv.getOrDefault("containerd.systemdCgroup", "");
        if (!kubeletDriver.isEmpty() && !systemdCgroup.isEmpty()
                && kubeletDriver.equals("systemd") != systemdCgroup.equals("true")) {
            causes.add(new Cause("cgroup driver mismatch: the kubelet uses " + kubeletDriver
                    + " (/var/lib/kubelet/config.yaml cgroupDriver) but containerd has SystemdCgroup = " + systemdCgroup
                    + " (/etc/containerd/config.toml); pods are killed and restarted in a loop: make them agree"
                    + " (apply writes both as systemd)", ""));
        }
        String active = kv.getOrDefault("kubelet.active", "");
        if (!active.equals("active")) {
            causes.add(new Cause("the kubelet is not running (systemctl is-active kubelet: " + (active.isEmpty() ? "unknown" : active)
                    + "); its journal's last lines:", journal.toString().strip()));
        } else if (!kv.getOrDefault("kubelet.healthz", "").equals("ok")) {
            causes.add(new Cause("the kubelet runs but its /healthz (127.0.0.1:10248) does not answer ok; its journal's"
                    + " last lines:", journal.toString().strip()));
        }
        for (String e : exited) {
            String id = e.replaceAll(".*\"id\": *\"([^\"]*)\".*", "$1");
            String name = e.replaceAll(".*\"name\": *\"([^\"]*)\".*", "$1");
            String logs = remote == null ? "" : remote.exec("crictl logs --tail 8 " + id + " 2>&1 | tail -n 8",
                    Duration.ofSeconds(20)).stdout().strip();
            causes.add(new Cause("container " + name + " exited; its last log lines:", logs));
        }
        return causes;
    }

    private static long parse(String s) {
        try {
            return s == null || s.isBlank() ? 0 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The causes as lines for an error message; says so when none of the known causes was found. */
    public static String describe(List<Cause> causes) {
        if (causes.isEmpty()) {
            return "none of the known causes found (kubelet running and healthy, no swap, SELinux not enforcing, cgroup drivers"
                    + " agree, no exited containers)";
        }
        return String.join("\n    ", causes.stream().map(Cause::format).toList());
    }
}
