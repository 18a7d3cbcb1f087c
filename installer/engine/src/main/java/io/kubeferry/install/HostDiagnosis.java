package io.kubeferry.install;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.Host;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Why a node's kubelet or control plane does not come up, found on the host with evidence: the kubelet not
 * running (its journal's last lines), swap on, SELinux enforcing, the kubelet's and containerd's cgroup drivers
 * differing, a port a component needs held by another process (ss), a certificate that does not match its key
 * or whose SANs leave out the host's name or address (openssl on the host: only public keys and SANs leave it), an
 * image a static pod names that containerd does not have, control-plane containers that exited (their last log
 * lines). One read-only command (the exited containers' logs are one more each); used when a wait times out and
 * by {@code installer diagnose}.
 */
public final class HostDiagnosis {
    /** One cause found, with what shows it. */
    public record Cause(String summary, String evidence) {
        public String format() {
            return evidence.isBlank() ? summary : summary + "\n" + evidence.lines().map(l -> "      | " + l)
                    .reduce((a, b) -> a + "\n" + b).orElse("");
        }
    }

    static final String PKI_DIR = "/etc/kubernetes/pki";
    static final String KUBELET_CLIENT_PEM = "/var/lib/kubelet/pki/kubelet-client-current.pem";
    static final String MANIFESTS_DIR = "/etc/kubernetes/manifests";
    /** The serving certificates whose SANs must name the host (kubeadm puts its name and address in both). */
    static final List<String> SERVING_CERTS = List.of(PKI_DIR + "/apiserver.crt", PKI_DIR + "/etcd/server.crt");
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /** The ports the cluster's components listen on, and who. */
    static final Map<Integer, String> COMPONENT_PORTS = new TreeMap<>(Map.of(6443, "kube-apiserver (or a worker's local proxy)",
            2379, "etcd", 2380, "etcd", 2381, "etcd (metrics)", 10248, "the kubelet (/healthz)", 10250, "the kubelet",
            10257, "kube-controller-manager", 10259, "kube-scheduler"));
    /** Processes of the cluster itself: a port held by one of them is not held by "another process". */
    private static final List<String> CLUSTER_PROCESSES = List.of("kube-apiserver", "etcd", "kubelet",
            "kube-controller-manager", "kube-scheduler", "haproxy", "kube-proxy");

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
            "echo '--- listeners'",
            // port|pid|process name|the cluster process it is, if any|command line, for the components' ports
            "ss -ltnpH 2>/dev/null | while read -r _ _ _ local _ users; do port=${local##*:}; case ' " + String.join(" ",
                    COMPONENT_PORTS.keySet().stream().map(String::valueOf).toList()) + " ' in *\" $port \"*)"
                    + " pid=$(echo \"$users\" | sed -n 's/^users:((\"[^\"]*\",pid=\\([0-9]*\\).*/\\1/p');"
                    + " name=$(echo \"$users\" | sed -n 's/^users:((\"\\([^\"]*\\)\".*/\\1/p');"
                    + " full=$(tr '\\000' ' ' < \"/proc/$pid/cmdline\" 2>/dev/null);"
                    // which of the cluster's processes the whole command line names (a JVM's comes after its class path)
                    + " own=$(printf '%s %s' \"$name\" \"$full\" | grep -Eoi '" + String.join("|", CLUSTER_PROCESSES) + "' | head -n 1);"
                    + " echo \"$port|$pid|$name|$own|$(printf '%s' \"$full\" | cut -c1-160)\";; esac; done",
            "echo '--- pki'",
            // public keys (not the keys) of each certificate and its key, hashed; SANs of the serving certificates
            "if command -v openssl >/dev/null 2>&1; then",
            "  pub() { d=$(\"$@\" 2>/dev/null | sha256sum | cut -c1-64); [ \"$d\" = " + EMPTY_SHA256 + " ] && d=unreadable; echo \"$d\"; }",
            "  for c in " + PKI_DIR + "/*.crt " + PKI_DIR + "/etcd/*.crt " + KUBELET_CLIENT_PEM + "; do k=${c%.crt}.key;"
                    + " [ \"$c\" = " + KUBELET_CLIENT_PEM + " ] && k=$c; [ -f \"$c\" ] && [ -f \"$k\" ] || continue;"
                    + " echo \"pair|$c|$k|$(pub openssl x509 -in \"$c\" -noout -pubkey)|$(pub openssl pkey -in \"$k\" -pubout)\"; done",
            "  for c in " + String.join(" ", SERVING_CERTS) + "; do [ -f \"$c\" ] && echo \"sans|$c|$(openssl x509 -in \"$c\" -noout -text"
                    + " 2>/dev/null | grep -A1 'X509v3 Subject Alternative Name' | tail -n 1 | tr -d ' ')\"; done",
            "else echo openssl=absent; fi",
            "echo '--- images'",
            "if grep -Hs -E '^[[:space:]-]*image:' " + MANIFESTS_DIR + "/*.yaml; then echo '--- containerd'; PATH=/usr/local/bin:$PATH;"
                    + " out=$(ctr -n k8s.io images ls -q 2>&1); e=$?; echo \"$out\" | head -n 1000; echo \"ctr.exit=$e\"; fi",
            "echo '--- end'");

    private HostDiagnosis() {
    }

    /** @param host the node: its name and internal address are what the serving certificates must name */
    public static List<Cause> diagnose(Host host, RemoteHost remote) {
        String out = remote.exec(SCRIPT, Duration.ofSeconds(45)).stdout();
        return judge(out, host, remote);
    }

    static List<Cause> judge(String out, Host host, RemoteHost remote) {
        Map<String, String> kv = new HashMap<>();
        String section = "";
        StringBuilder journal = new StringBuilder();
        List<String> exited = new ArrayList<>();
        List<String> listeners = new ArrayList<>();
        List<String> pki = new ArrayList<>();
        List<String> wanted = new ArrayList<>();
        List<String> containerd = new ArrayList<>();
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
                case "listeners" -> listeners.add(line);
                case "pki" -> pki.add(line);
                case "images" -> {
                    if (!line.isBlank()) {
                        wanted.add(line);
                    }
                }
                case "containerd" -> containerd.add(line);
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
        causes.addAll(portsTaken(listeners));
        causes.addAll(certificates(pki, host));
        causes.addAll(missingImages(wanted, containerd));
        for (String e : exited) {
            String id = e.replaceAll(".*\"id\": *\"([^\"]*)\".*", "$1");
            String name = e.replaceAll(".*\"name\": *\"([^\"]*)\".*", "$1");
            String logs = remote == null ? "" : remote.exec("crictl logs --tail 8 " + id + " 2>&1 | tail -n 8",
                    Duration.ofSeconds(20)).stdout().strip();
            causes.add(new Cause("container " + name + " exited; its last log lines:", logs));
        }
        return causes;
    }

    /** A port a component needs, held by a process that is none of the cluster's (ss -ltnp, /proc/PID/cmdline). */
    static List<Cause> portsTaken(List<String> listeners) {
        Map<String, Cause> out = new LinkedHashMap<>();
        for (String line : listeners) {
            String[] f = line.split("\\|", 5);
            if (f.length < 5 || !f[0].matches("\\d+")) {
                continue;
            }
            int port = Integer.parseInt(f[0]);
            String pid = f[1], name = f[2], own = f[3].strip(), cmd = f[4].strip();
            if (!own.isEmpty() || out.containsKey(port + "|" + pid)) {
                continue;
            }
            String process = (name.isEmpty() ? "an unnamed process" : name) + (pid.isEmpty() ? "" : " (pid " + pid + ")");
            out.put(port + "|" + pid, new Cause("port " + port + ", which " + COMPONENT_PORTS.get(port) + " needs, is held by "
                    + process + ": the component cannot listen there; stop that process (or move it to another port)",
                    "ss -ltnp: port " + port + " pid " + pid + " " + name + (cmd.isEmpty() ? "" : "\n/proc/" + pid
                            + "/cmdline: " + cmd)));
        }
        return List.copyOf(out.values());
    }

    /**
     * Certificates that do not match their keys (the public keys' sha256, computed on the host) and serving
     * certificates whose SANs leave out the host's name or internal address.
     */
    static List<Cause> certificates(List<String> pki, Host host) {
        List<Cause> out = new ArrayList<>();
        for (String line : pki) {
            String[] f = line.split("\\|", -1);
            if (f[0].equals("pair") && f.length == 5) {
                String cert = f[1], key = f[2], certPub = f[3].strip(), keyPub = f[4].strip();
                boolean pem = cert.equals(key);
                if (certPub.equals("unreadable") || keyPub.equals("unreadable")) {
                    out.add(new Cause((certPub.equals("unreadable") ? cert + " cannot be read as a certificate"
                            : key + " cannot be read as a private key") + " by openssl: the component that reads it"
                            + " cannot start; push the host's PKI files again (`installer certs push`)", ""));
                } else if (!certPub.equals(keyPub)) {
                    out.add(new Cause((pem ? "the certificate in " + cert + " does not match the key in the same file"
                            : "the certificate " + cert + " does not match its key " + key) + ": TLS with it fails"
                            + " (the component exits with \"private key does not match public key\"); push the pair again"
                            + " (`installer certs push`) or renew it (`installer certs renew`)",
                            "sha256 of the certificate's public key: " + certPub + "\nsha256 of the key's public key:         " + keyPub));
                }
            } else if (f[0].equals("sans") && f.length == 3 && host != null) {
                List<String> sans = List.of(f[2].strip().split(","));
                List<String> missing = new ArrayList<>();
                if (!sans.contains("DNS:" + host.name())) {
                    missing.add("DNS:" + host.name());
                }
                if (host.internalAddress() != null && sans.stream().noneMatch(san -> sameIp(san, host.internalAddress()))) {
                    missing.add("IP:" + host.internalAddress());
                }
                if (!missing.isEmpty()) {
                    out.add(new Cause("the serving certificate " + f[1] + " does not name this host (" + String.join(", ", missing)
                            + "): clients that reach it by that name or address refuse it; renew it with the inventory's"
                            + " names and addresses (`installer certs renew`, then `installer certs push`)",
                            "X509v3 Subject Alternative Name: " + f[2].strip()));
                }
            } else if (line.startsWith("openssl=absent")) {
                out.add(new Cause("openssl is not installed on the host: certificates and keys were not compared", ""));
            }
        }
        return out;
    }

    private static boolean sameIp(String san, String address) {
        if (!san.startsWith("IPAddress:") || !Cidr.isIpLiteral(address)) {
            return false;
        }
        String ip = san.substring("IPAddress:".length());
        try {
            return Cidr.isIpLiteral(ip) && InetAddress.getByName(ip).equals(InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            return false; // literals only: no lookup happens
        }
    }

    /** Images the static pods name (grep -H of their image: lines) that containerd's k8s.io namespace does not hold. */
    static List<Cause> missingImages(List<String> wanted, List<String> containerd) {
        if (wanted.isEmpty()) {
            return List.of();
        }
        String exit = containerd.stream().filter(l -> l.startsWith("ctr.exit=")).findFirst().orElse("ctr.exit=");
        List<String> listed = containerd.stream().filter(l -> !l.startsWith("ctr.exit=")).map(String::strip)
                .filter(l -> !l.isEmpty()).toList();
        if (!exit.equals("ctr.exit=0")) {
            return List.of(new Cause("containerd does not answer (ctr -n k8s.io images ls, " + exit.replace("ctr.exit=", "exit ")
                    + "): the kubelet cannot start the static pods; start containerd (`systemctl start containerd`,"
                    + " `journalctl -u containerd`)", String.join("\n", listed.stream().limit(5).toList())));
        }
        Set<String> present = listed.stream().map(HostDiagnosis::fullImageName).collect(Collectors.toSet());
        Map<String, List<String>> missing = new TreeMap<>();
        for (String line : wanted) {
            int colon = line.indexOf(':');
            int image = line.indexOf("image:");
            if (colon < 0 || image < 0) {
                continue;
            }
            String name = line.substring(image + "image:".length()).strip().replaceAll("^[\"']|[\"']$", "");
            if (!name.isEmpty() && !present.contains(fullImageName(name))) {
                missing.computeIfAbsent(name, k -> new ArrayList<>()).add(line.substring(0, colon));
            }
        }
        List<Cause> out = new ArrayList<>();
        missing.forEach((name, manifests) -> out.add(new Cause("image " + name + " named by " + String.join(", ", manifests)
                + " is not in containerd (namespace k8s.io): the kubelet cannot pull it without a registry; import the"
                + " bundle's images again (`installer phase container-runtime`) or correct the manifest",
                "ctr -n k8s.io images ls -q lists " + listed.stream().filter(l -> !l.startsWith("sha256:")).count()
                        + " images, not " + name)));
        return out;
    }

    /** docker.io's short forms made full, as containerd stores them: busybox -> docker.io/library/busybox:latest. */
    private static String fullImageName(String name) {
        String n = name;
        int slash = n.indexOf('/');
        String first = slash < 0 ? "" : n.substring(0, slash);
        if (slash < 0) {
            n = "docker.io/library/" + n;
        } else if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) {
            n = "docker.io/" + n;
        }
        boolean tagged = n.contains("@") || n.substring(n.lastIndexOf('/') + 1).contains(":");
        return tagged ? n : n + ":latest";
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
                    + " agree, components' ports free of other processes, certificates matching their keys and naming the"
                    + " host, the static pods' images in containerd, no exited containers)";
        }
        return String.join("\n    ", causes.stream().map(Cause::format).toList());
    }
}
