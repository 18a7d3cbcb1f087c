package io.kubeferry.reset;

import io.kubeferry.host.Shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the install records on each host so that {@code installer reset} undoes exactly that and no more: what the
 * host had before ({@link #FOUND}, written once, never overwritten), backups of files it overwrote
 * ({@link #BACKUPS}), every path it wrote and directory it created ({@link #WRITTEN_DIR}, per component; binaries in
 * {@code installed/<name>.files}) and the images it imported ({@link #IMPORTED_IMAGES}). The record commands append
 * only what is new and rewrite nothing, so a second install changes no file (and no mtime).
 */
public final class HostRecord {
    public static final String DIR = "/var/lib/kubeferry";
    public static final String FOUND = DIR + "/found.env";
    public static final String BACKUPS = DIR + "/found/files";
    public static final String WRITTEN_DIR = DIR + "/written";
    public static final String INSTALLED_DIR = DIR + "/installed";
    public static final String IMPORTED_IMAGES = DIR + "/imported-images";

    /** The sysctls the kernel-settings component sets (templates/kernel/sysctl.conf.ftl): their values are kept. */
    public static final List<String> SYSCTLS = List.of("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding",
            "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables");
    /** The modules the kernel-settings component loads. */
    public static final List<String> MODULES = List.of("overlay", "br_netfilter");
    /** Services whose running state is kept: a runtime or kubelet that ran before runs again after a reset. */
    public static final List<String> SERVICES = List.of("containerd", "docker", "crio", "kubelet", "etcd");
    /**
     * Places the cluster's daemons create at run time (not written by the installer itself): the ones absent
     * before the install are removed by reset, the others left alone.
     */
    public static final List<String> RUNTIME_PATHS = List.of("/etc/kubernetes", "/etc/kubeferry", "/var/lib/kubelet",
            "/var/lib/etcd", "/etc/cni", "/opt/cni", "/var/lib/cni", "/run/containerd", "/opt/containerd", "/run/flannel",
            "/var/log/pods", "/var/log/containers", "/var/lib/containerd");
    /** Where the SSH layer stages uploads for a sudo user ({@code Uploader.stagingDir}). */
    public static final String UPLOAD_STAGING_GLOB = "/var/tmp/kubeferry-upload-*";

    private HostRecord() {
    }

    /** The record file of one component's written paths. */
    public static String writtenRecord(String component) {
        return WRITTEN_DIR + "/" + component + ".paths";
    }

    /** The record file of one bundle binary's installed files. */
    public static String installedRecord(String binary) {
        return INSTALLED_DIR + "/" + binary + ".files";
    }

    /** Prints the host's current state in {@link Found}'s format (read only). */
    public static String probeCommand() {
        StringBuilder sh = new StringBuilder();
        sh.append("echo \"swap=$(awk 'NR>1{printf \"%s%s\", s, $1; s=\",\"}' /proc/swaps 2>/dev/null)\"\n");
        sh.append("echo \"selinux=$(getenforce 2>/dev/null | tr A-Z a-z)\"\n");
        for (String k : SYSCTLS) {
            sh.append("echo \"sysctl.").append(k).append("=$(sysctl -n ").append(k).append(" 2>/dev/null)\"\n");
        }
        sh.append("if [ -r /proc/modules ]; then echo \"modules=$(awk '").append(String.join("||",
                MODULES.stream().map(m -> "$1==\"" + m + "\"").toList())).append("{printf \"%s%s\", s, $1; s=\",\"}' /proc/modules)\";"
                + " else echo 'modules=?'; fi\n");
        sh.append("s=; for u in ").append(String.join(" ", SERVICES)).append("; do systemctl is-active --quiet $u 2>/dev/null"
                + " && s=\"$s${s:+,}$u\"; done; echo \"services=$s\"\n");
        sh.append("a=; for p in ").append(String.join(" ", RUNTIME_PATHS)).append("; do [ -e $p ] || a=\"$a${a:+,}$p\"; done;"
                + " echo \"absent=$a\"\n");
        sh.append("echo \"interfaces=$(ls /sys/class/net 2>/dev/null | tr '\\n' ',' | sed 's/,$//')\"\n");
        sh.append("e=; for u in ").append(String.join(" ", SERVICES)).append("; do systemctl is-enabled --quiet $u 2>/dev/null"
                + " && e=\"$e${e:+,}$u\"; done; echo \"enabled=$e\"\n");
        // daemon directories there but empty (a mount point, a distribution's package) are emptied again, with their mode
        sh.append("e=; m=; for p in ").append(String.join(" ", RUNTIME_PATHS)).append("; do [ -d $p ] || continue;"
                + " m=\"$m${m:+,}$p:$(stat -c %a $p)\"; [ -z \"$(ls -A $p)\" ] && e=\"$e${e:+,}$p\"; done;"
                + " echo \"empty=$e\"; echo \"modes=$m\"\n");
        sh.append("echo \"uploads=$(ls -d ").append(UPLOAD_STAGING_GLOB).append(" 2>/dev/null | tr '\\n' ',' | sed 's/,$//')\"\n");
        return sh.toString();
    }

    /**
     * Writes {@link #FOUND} with what the host has now, unless it is there already (an earlier install recorded
     * what it found; a re-run must not record its own work as found). Prints "recorded" when it wrote it.
     */
    public static String recordFoundCommand() {
        return "if [ ! -f " + FOUND + " ]; then mkdir -p " + DIR + " && { " + probeCommand().replace("\n", "; ")
                + "} > " + FOUND + ".tmp && mv -f " + FOUND + ".tmp " + FOUND + " && echo recorded; fi";
    }

    /**
     * Records, before they are written, the files ({@code f PATH}) and directories ({@code d PATH}) given, into
     * {@code recordFile}: a file already there (and not recorded by an earlier run) is backed up under
     * {@link #BACKUPS} once and recorded {@code o PATH} (restored by reset), a new one {@code f PATH} (removed); every
     * directory that does not exist yet (the entry's own, its parents) is recorded {@code d PATH}. Appends only what
     * is new; an existing record file is not touched.
     */
    public static String recordCommand(String recordFile, List<String> entries) {
        if (entries.isEmpty()) {
            return "true";
        }
        return recordListed(recordFile, "printf '%s\\n' " + String.join(" ", entries.stream().map(Shell::quote).toList()));
    }

    /** As {@link #recordCommand}, with the entries printed by a shell command (e.g. an archive's listing). */
    public static String recordListed(String recordFile, String listing) {
        String r = Shell.quote(recordFile);
        // every record file, quoted but globbed: a path another record has is not recorded again here
        String all = Shell.quote(WRITTEN_DIR) + "/*.paths " + Shell.quote(INSTALLED_DIR) + "/*.files";
        return "R=" + r + "; B=" + Shell.quote(BACKUPS) + "; "
                + "mkdir -p \"${R%/*}\" && { [ -f \"$R\" ] || : > \"$R\"; } && { " + listing + "; } | while read -r k p; do "
                + "[ -n \"$p\" ] || continue; x=$p; "
                + "if [ \"$k\" = f ]; then x=${p%/*}; "
                + "if ! grep -qsxF -e \"f $p\" -e \"o $p\" " + all + "; then "
                + "if [ -e \"$p\" ] || [ -L \"$p\" ]; then "
                + "if [ ! -e \"$B$p\" ] && [ ! -L \"$B$p\" ]; then mkdir -p \"$B${p%/*}\" && cp -a \"$p\" \"$B$p\" || exit 1; fi; "
                + "echo \"o $p\" >> \"$R\"; else echo \"f $p\" >> \"$R\"; fi; fi; fi; "
                + "while [ -n \"$x\" ] && [ ! -e \"$x\" ]; do grep -qsxF \"d $x\" " + all + " || echo \"d $x\" >> \"$R\"; x=${x%/*}; done; "
                + "done";
    }

    /** One record line: {@code f} a file the install made, {@code o} a file it overwrote (backed up), {@code d} a directory it made. */
    public record Entry(char kind, String path) {
        public Entry {
            if (kind != 'f' && kind != 'o' && kind != 'd') {
                throw new IllegalArgumentException("record kind " + kind);
            }
        }
    }

    /** The lines of record files; blank and malformed lines (a cut write) are skipped, duplicates kept once. */
    public static List<Entry> parseEntries(String text) {
        Set<Entry> out = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            if (line.length() < 3 || line.charAt(1) != ' ' || "fod".indexOf(line.charAt(0)) < 0 || line.charAt(2) != '/') {
                continue;
            }
            out.add(new Entry(line.charAt(0), line.substring(2)));
        }
        return new ArrayList<>(out);
    }

    /** What {@link #probeCommand} printed: what the host had (found.env) or has now. */
    public record Found(Map<String, String> values) {
        public Found {
            values = Map.copyOf(values);
        }

        public static Found parse(String text) {
            Map<String, String> v = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    v.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
            }
            return new Found(v);
        }

        private List<String> list(String key) {
            String s = values.getOrDefault(key, "");
            return s.isEmpty() ? List.of() : Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
        }

        public List<String> swapDevices() {
            return list("swap");
        }

        /** enforcing, permissive or disabled; empty without SELinux tools. */
        public String selinux() {
            return values.getOrDefault("selinux", "");
        }

        /** The value of a sysctl; empty when the key did not exist (its module not loaded). */
        public String sysctl(String key) {
            return values.getOrDefault("sysctl." + key, "");
        }

        /** The loaded modules of {@link #MODULES}; empty when /proc/modules could not be read. */
        public Optional<Set<String>> modules() {
            String s = values.getOrDefault("modules", "?");
            return s.equals("?") ? Optional.empty() : Optional.of(new LinkedHashSet<>(list("modules")));
        }

        public List<String> activeServices() {
            return list("services");
        }

        public List<String> absentPaths() {
            return list("absent");
        }

        public List<String> interfaces() {
            return list("interfaces");
        }

        public List<String> enabledServices() {
            return list("enabled");
        }

        /** Daemon directories that were there and empty. */
        public List<String> emptyDirs() {
            return list("empty");
        }

        /** The mode (octal, as stat prints it) of each daemon directory that was there. */
        public Map<String, String> modes() {
            Map<String, String> out = new LinkedHashMap<>();
            for (String pm : list("modes")) {
                int c = pm.lastIndexOf(':');
                if (c > 0) {
                    out.put(pm.substring(0, c), pm.substring(c + 1));
                }
            }
            return out;
        }

        public List<String> uploadDirs() {
            return list("uploads");
        }
    }
}
