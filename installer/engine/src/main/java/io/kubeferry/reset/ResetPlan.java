package io.kubeferry.reset;

import io.kubeferry.host.Shell;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a reset does on one host, worked out from the install's records and the host's state now (read, never
 * guessed): pure functions, so the decisions are unit-tested without a host.
 */
public final class ResetPlan {
    /** One thing to undo: said in the report and the dry run, done by its command. */
    public record Step(String what, String command) {
    }

    /** Mount points under these are unmounted before their directories are removed (deepest first). */
    static final List<String> MOUNT_ROOTS = List.of("/var/lib/kubelet/");

    private ResetPlan() {
    }

    /**
     * Files and directories: every file the install made removed, every file it overwrote put back from its backup,
     * then every directory it made removed, deepest first (with what its daemons left in it).
     *
     * @param records by record name (a component, a binary): its entries
     */
    public static List<Step> files(Map<String, List<HostRecord.Entry>> records) {
        List<Step> out = new ArrayList<>();
        Set<String> restored = new TreeSet<>();
        Set<String> dirs = new TreeSet<>(Comparator.comparingInt((String d) -> -depth(d)).thenComparing(Comparator.naturalOrder()));
        Map<String, List<String>> made = new LinkedHashMap<>();
        for (var e : records.entrySet()) {
            for (HostRecord.Entry entry : e.getValue()) {
                if (!safe(entry.path())) {
                    continue; // never rm -rf a root or a path that climbs: a damaged record must not widen the reset
                }
                switch (entry.kind()) {
                    case 'f' -> made.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(entry.path());
                    case 'o' -> restored.add(entry.path());
                    case 'd' -> dirs.add(entry.path());
                    default -> throw new IllegalStateException();
                }
            }
        }
        made.forEach((name, paths) -> {
            List<String> gone = paths.stream().filter(p -> !restored.contains(p)).toList();
            if (!gone.isEmpty()) {
                out.add(new Step(name + ": remove " + gone.size() + " file" + (gone.size() == 1 ? "" : "s") + " it wrote",
                        "rm -f -- " + String.join(" ", gone.stream().map(Shell::quote).toList())));
            }
        });
        for (String p : restored) {
            String backup = Shell.quote(HostRecord.BACKUPS + p);
            out.add(new Step("put back " + p + " as it was before the install", "if [ -e " + backup + " ] || [ -L " + backup
                    + " ]; then rm -f -- " + Shell.quote(p) + " && cp -a " + backup + " " + Shell.quote(p) + "; fi"));
        }
        for (String d : dirs) {
            out.add(new Step("remove directory " + d + " (made by the install)", "rm -rf -- " + Shell.quote(d)));
        }
        return out;
    }

    /**
     * Places the cluster's daemons made: removed where absent before the install (unless a removed directory of the
     * records covers them), emptied where empty before, their mode put back; upload staging directories removed.
     *
     * @param removedDirs directories the record steps remove
     */
    public static List<Step> runtimePaths(HostRecord.Found found, HostRecord.Found now, Set<String> removedDirs) {
        List<Step> out = new ArrayList<>();
        Set<String> absentNow = Set.copyOf(now.absentPaths());
        for (String p : found.absentPaths()) {
            boolean covered = removedDirs.stream().anyMatch(d -> p.equals(d) || p.startsWith(d + "/"));
            if (!absentNow.contains(p) && !covered && safe(p)) {
                out.add(new Step("remove " + p + " (absent before the install)", "rm -rf -- " + Shell.quote(p)));
            }
        }
        Set<String> emptyNow = Set.copyOf(now.emptyDirs());
        for (String d : found.emptyDirs()) {
            if (!absentNow.contains(d) && !emptyNow.contains(d) && safe(d)) {
                // a mount point or a package's directory: emptied, not removed
                out.add(new Step("empty " + d + " (empty before the install)",
                        "find " + Shell.quote(d) + " -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +"));
            }
        }
        Map<String, String> modesNow = now.modes();
        found.modes().forEach((d, mode) -> {
            if (modesNow.containsKey(d) && !modesNow.get(d).equals(mode) && mode.matches("[0-7]{3,4}")) {
                out.add(new Step("mode of " + d + " back to " + mode, "chmod " + mode + " " + Shell.quote(d)));
            }
        });
        Set<String> uploadsBefore = Set.copyOf(found.uploadDirs());
        for (String u : now.uploadDirs()) {
            if (!uploadsBefore.contains(u) && safe(u)) {
                out.add(new Step("remove upload staging " + u, "rm -rf -- " + Shell.quote(u)));
            }
        }
        return out;
    }

    /** Swap, SELinux, sysctls, modules and services back as found, where they differ now. */
    public static List<Step> restore(HostRecord.Found found, HostRecord.Found now) {
        List<Step> out = new ArrayList<>();
        List<String> swapNow = now.swapDevices();
        for (String dev : found.swapDevices()) {
            if (!swapNow.contains(dev)) {
                out.add(new Step("swap on " + dev + " (on before the install)", "swapon " + Shell.quote(dev)));
            }
        }
        if (found.selinux().equals("enforcing") && !now.selinux().equals("enforcing") && !now.selinux().isEmpty()) {
            out.add(new Step("SELinux back to enforcing", "setenforce 1"));
        }
        for (String k : HostRecord.SYSCTLS) {
            String was = found.sysctl(k);
            String is = now.sysctl(k);
            if (!was.isEmpty() && !is.isEmpty() && !was.equals(is)) {
                out.add(new Step("sysctl " + k + " back to " + was, "sysctl -q -w " + Shell.quote(k + "=" + was)));
            }
        }
        if (found.modules().isPresent() && now.modules().isPresent()) {
            for (String m : HostRecord.MODULES) {
                if (!found.modules().get().contains(m) && now.modules().get().contains(m)) {
                    // in use (by other software since): left loaded, said so
                    out.add(new Step("unload module " + m + " (not loaded before the install)", "modprobe -r " + m
                            + " 2>/dev/null || echo 'module " + m + " is in use: left loaded' >&2"));
                }
            }
        }
        Set<String> enabledNow = Set.copyOf(now.enabledServices());
        for (String s : found.enabledServices()) {
            if (!enabledNow.contains(s)) {
                // a distribution's unit the install's own replaced and reset disabled with it
                out.add(new Step("enable " + s + " (enabled before the install)", "systemctl enable " + Shell.quote(s)));
            }
        }
        Set<String> activeNow = Set.copyOf(now.activeServices());
        for (String s : found.activeServices()) {
            if (!activeNow.contains(s)) {
                out.add(new Step("start " + s + " (running before the install)", "systemctl start " + Shell.quote(s)));
            }
        }
        return out;
    }

    /** False for "/", relative paths and paths with "..": a reset never removes those. */
    static boolean safe(String path) {
        return path.startsWith("/") && path.length() > 1 && !path.contains("/../") && !path.endsWith("/..")
                && !path.contains("\n") && depth(path) >= 1;
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count();
    }
}
