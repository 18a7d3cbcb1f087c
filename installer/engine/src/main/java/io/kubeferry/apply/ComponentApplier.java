package io.kubeferry.apply;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.Component;
import io.kubeferry.component.ContentHash;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Applies a {@link Component} to a host: makes its directories (with the modes it asks for), puts its files
 * (unchanged ones are skipped by sha256; files for a watched directory are staged and renamed in), runs its
 * start commands, and records a stamp of what the daemon was started with. Also cleans a component off a host
 * and says, for a dry run, what applying would change. One applier for every component: the components only
 * describe.
 */
public final class ComponentApplier {
    /**
     * What applying did (or, for a dry run, would do) on one host.
     *
     * @param changedPaths files whose content was new or different
     * @param commands     commands executed (for a dry run: that would be executed), in order
     */
    public record Report(String component, String host, int files, List<String> changedPaths, List<String> commands) {
        public Report {
            changedPaths = List.copyOf(changedPaths);
            commands = List.copyOf(commands);
        }

        public boolean changedAnything() {
            return !changedPaths.isEmpty() || commands.stream().anyMatch(c -> !c.startsWith("mkdir ") && !c.startsWith("chmod "));
        }
    }

    /**
     * Pushes the component's files to the host and starts it. Idempotent: unchanged files are skipped and then
     * nothing restarts. A component whose start depends on {@code changed} also restarts when its stamp is not
     * the hash of these files, e.g. after an earlier run put them and failed before its restart.
     */
    public Report apply(RemoteHost remote, Component component, Host host, List<HostFile> files) {
        Set<String> watched = component.watchedDirectories();
        List<String> executed = new ArrayList<>();
        Set<String> dirs = directories(component, host, files);
        // before anything is written: what this puts here, for `installer reset` (appends only what is new)
        remote.execChecked(io.kubeferry.reset.HostRecord.recordCommand(io.kubeferry.reset.HostRecord.writtenRecord(component.name()),
                recordEntries(component, host, files, dirs)));
        if (!dirs.isEmpty()) {
            String mkdir = "mkdir -p " + String.join(" ", dirs.stream().map(Shell::quote).toList());
            remote.execChecked(mkdir);
            executed.add(mkdir);
        }
        for (Map.Entry<String, Integer> d : new TreeMap<>(component.directoryModes()).entrySet()) {
            if (dirs.contains(d.getKey())) {
                String chmod = "chmod " + String.format("%04o", d.getValue()) + " " + Shell.quote(d.getKey());
                remote.execChecked(chmod);
                executed.add(chmod);
            }
        }
        List<String> changedPaths = new ArrayList<>();
        for (HostFile f : files) {
            if (watched.contains(parent(f.path()))) {
                String staged = Component.STAGING_ROOT + f.path();
                remote.put(f.content(), staged, f.mode());
                String name = f.path().substring(f.path().lastIndexOf('/') + 1);
                String tmp = parent(f.path()) + "/." + name + ".kubeferry-new";
                String move = "if cmp -s " + Shell.quote(staged) + " " + Shell.quote(f.path()) + "; then echo same; "
                        + "else cp -p " + Shell.quote(staged) + " " + Shell.quote(tmp) + " && mv -f " + Shell.quote(tmp)
                        + " " + Shell.quote(f.path()) + " && echo changed; fi";
                if (remote.execChecked(move).stdout().contains("changed")) {
                    changedPaths.add(f.path());
                    executed.add(move);
                }
            } else if (!remote.put(f.content(), f.path(), f.mode()).skipped()) {
                changedPaths.add(f.path());
            }
        }
        // A run that uploaded new files and failed before its restart leaves the daemon on the old config while
        // the files are already current; the stamp (written only after a successful start) catches that.
        boolean stamped = component.restartsOnChange(host);
        String want = stamped ? Component.appliedHash(files) : "";
        boolean stampDiffers = stamped && !want.equals(readStamp(remote, component));
        for (String cmd : component.startCommands(host, !changedPaths.isEmpty() || stampDiffers)) {
            remote.execChecked(cmd);
            executed.add(cmd);
        }
        if (stampDiffers) {
            remote.put((want + "\n").getBytes(StandardCharsets.UTF_8), component.stampPath(), 0644);
        }
        return new Report(component.name(), host.name(), files.size(), changedPaths, executed);
    }

    /**
     * What {@link #apply} would do, found by reading the host only: each file compared by sha256 with what is
     * there, the stamp compared, and the start commands that would then run. Changes nothing.
     */
    public Report dryRun(RemoteHost remote, Component component, Host host, List<HostFile> files) {
        List<String> changedPaths = new ArrayList<>();
        for (HostFile f : files) {
            if (differs(remote, f)) {
                changedPaths.add(f.path());
            }
        }
        boolean stampDiffers = component.restartsOnChange(host)
                && !Component.appliedHash(files).equals(readStamp(remote, component));
        List<String> commands = new ArrayList<>(component.startCommands(host, !changedPaths.isEmpty() || stampDiffers));
        return new Report(component.name(), host.name(), files.size(), changedPaths, commands);
    }

    /** Stops the component and removes every file it put on the host and the state it created. Idempotent. */
    public void clean(RemoteHost remote, Component component, Host host, List<HostFile> files) {
        for (String cmd : component.stopCommands(host)) {
            remote.execChecked(cmd);
        }
        List<String> paths = new ArrayList<>(files.stream().map(HostFile::path).toList());
        for (HostFile f : files) {
            if (component.watchedDirectories().contains(parent(f.path()))) {
                paths.add(Component.STAGING_ROOT + f.path());
            }
        }
        if (component.restartsOnChange(host)) {
            paths.add(component.stampPath());
        }
        paths.addAll(component.statePaths(host));
        if (!paths.isEmpty()) {
            remote.execChecked("rm -rf -- " + String.join(" ", paths.stream().map(Shell::quote).toList()));
        }
    }

    /** Every file apply may write and every directory it may make or the component's daemon fills. */
    static List<String> recordEntries(Component component, Host host, List<HostFile> files, Set<String> dirs) {
        List<String> out = new ArrayList<>();
        for (HostFile f : files) {
            out.add("f " + f.path());
            if (component.watchedDirectories().contains(parent(f.path()))) {
                out.add("f " + Component.STAGING_ROOT + f.path());
            }
        }
        if (component.restartsOnChange(host)) {
            out.add("f " + component.stampPath());
        }
        dirs.forEach(d -> out.add("d " + d));
        component.statePaths(host).forEach(p -> out.add("d " + p));
        return out;
    }

    /** True when the host has no file at that path or one with other content (compared by sha256, read only). */
    public static boolean differs(RemoteHost remote, HostFile file) {
        String want = ContentHash.sha256Hex(file.content());
        return !remote.exec("sha256sum " + Shell.quote(file.path()) + " 2>/dev/null").stdout().startsWith(want + " ");
    }

    private static Set<String> directories(Component component, Host host, List<HostFile> files) {
        Set<String> dirs = new LinkedHashSet<>();
        for (HostFile f : files) {
            String dir = parent(f.path());
            dirs.add(dir);
            if (component.watchedDirectories().contains(dir)) {
                dirs.add(parent(Component.STAGING_ROOT + f.path()));
            }
        }
        if (component.restartsOnChange(host)) {
            dirs.add(Component.APPLIED_DIR);
        }
        return dirs;
    }

    private static String readStamp(RemoteHost remote, Component component) {
        return remote.exec("cat " + Shell.quote(component.stampPath()) + " 2>/dev/null").stdout().strip();
    }

    private static String parent(String path) {
        return path.substring(0, Math.max(1, path.lastIndexOf('/')));
    }
}
