package io.kubeferry.component;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One piece of the cluster with the same four steps as every other: render (files per host and addons, from
 * the model; pure), save (write them to a directory for review), run (push to a host and start), clean (remove
 * everything it put there). A component knows what and how; the phase runner decides when and where.
 *
 * <p>Adding a component is one class implementing this plus its templates, and one line in
 * {@link Components#standard()}.
 */
public interface Component {
    /** Short stable name, e.g. {@code kube-apiserver}; used in logs, plans and the render tree. */
    String name();

    /** False when the inventory does not use this component (e.g. another CNI, no local proxy). */
    default boolean enabled(Inventory inventory) {
        return true;
    }

    /** Hosts this component puts files on (empty for API-only addons). */
    List<Host> hosts(Inventory inventory);

    /** Renders every file for every host in {@link #hosts} plus the addons. Touches no host. */
    ComponentOutput render(RenderContext context);

    /** Writes what {@link #render} produced under {@code dir} for review: {@code <dir>/<host>/<path>}, addons in cluster/addons/. */
    default void save(ComponentOutput output, java.nio.file.Path dir) {
        FileTree.write(output, dir);
    }

    /**
     * Commands run on the host after its files are in place. {@code changed} is false when every file was
     * already there with the same content, so a re-run restarts nothing.
     */
    default List<String> startCommands(Host host, boolean changed) {
        return List.of();
    }

    /** Commands run before the files are removed (stop and disable services). Must succeed when nothing is there. */
    default List<String> stopCommands(Host host) {
        return List.of();
    }

    /** Directories whose mode matters (kubeadm keeps manifests and kubelet state 0700); set by {@link #run}. */
    default Map<String, Integer> directoryModes() {
        return Map.of();
    }

    /** Paths the running component created on the host (data dirs), removed by {@link #clean}. */
    default List<String> statePaths(Host host) {
        return List.of();
    }

    /**
     * Where files for directories a daemon watches are uploaded first (see {@link #watchedDirectories()}); the
     * upload's own partial file must never appear in such a directory.
     */
    String STAGING_ROOT = "/etc/kubeferry/staged";

    /**
     * Directories a daemon reads every file of (the kubelet's manifests directory: a partial upload there,
     * {@code etcd.yaml.kfpart}, would be read as a second pod). Files there are uploaded to
     * {@link #STAGING_ROOT} and moved into place by an atomic rename of a dot-file the kubelet ignores.
     */
    default Set<String> watchedDirectories() {
        return Set.of();
    }

    /**
     * Pushes this component's files to the host and starts it. Idempotent: unchanged files are skipped by
     * {@link RemoteHost#put} (or by {@code cmp} for staged ones) and then nothing restarts. A component whose
     * start depends on {@code changed} also restarts when its stamp ({@link #stampPath}) is not the hash of
     * these files, e.g. after an earlier run put them and failed before its restart.
     */
    default RunReport run(RemoteHost remote, Host host, List<RenderedFile> files) {
        Set<String> watched = watchedDirectories();
        Set<String> dirs = new LinkedHashSet<>();
        for (RenderedFile f : files) {
            String dir = parent(f.path());
            dirs.add(dir);
            if (watched.contains(dir)) {
                dirs.add(parent(STAGING_ROOT + f.path()));
            }
        }
        if (restartsOnChange(host)) {
            dirs.add(APPLIED_DIR);
        }
        List<String> executed = new ArrayList<>();
        if (!dirs.isEmpty()) {
            String mkdir = "mkdir -p " + String.join(" ", dirs.stream().map(Shell::quote).toList());
            remote.execChecked(mkdir);
            executed.add(mkdir);
        }
        for (Map.Entry<String, Integer> d : new TreeMap<>(directoryModes()).entrySet()) {
            if (dirs.contains(d.getKey())) {
                String chmod = "chmod " + String.format("%04o", d.getValue()) + " " + Shell.quote(d.getKey());
                remote.execChecked(chmod);
                executed.add(chmod);
            }
        }
        List<String> changedPaths = new ArrayList<>();
        for (RenderedFile f : files) {
            if (watched.contains(parent(f.path()))) {
                String staged = STAGING_ROOT + f.path();
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
        boolean stamped = restartsOnChange(host);
        String want = stamped ? appliedHash(files) : "";
        boolean stampDiffers = stamped && !want.equals(remote.exec("cat " + Shell.quote(stampPath()) + " 2>/dev/null")
                .stdout().strip());
        for (String cmd : startCommands(host, !changedPaths.isEmpty() || stampDiffers)) {
            remote.execChecked(cmd);
            executed.add(cmd);
        }
        if (stampDiffers) {
            remote.put((want + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), stampPath(), 0644);
        }
        return new RunReport(name(), host.name(), files.size(), changedPaths, executed);
    }

    /** True when the start differs for changed files (a daemon restart): only those need a stamp. */
    private boolean restartsOnChange(Host host) {
        return !startCommands(host, true).equals(startCommands(host, false));
    }

    /** Where {@link #run} records, after a successful start, what the running daemon was started with. */
    String APPLIED_DIR = "/etc/kubeferry/applied";

    /** {@code /etc/kubeferry/applied/<name>.sha256}: {@link #appliedHash} of the files the last good start used. */
    default String stampPath() {
        return APPLIED_DIR + "/" + name() + ".sha256";
    }

    /** sha256 over every file's path, mode and content, in order: equal exactly when the applied set is equal. */
    static String appliedHash(List<RenderedFile> files) {
        java.security.MessageDigest md = ContentHash.newSha256();
        for (RenderedFile f : files) {
            byte[] content = f.content();
            md.update((f.path() + "\0" + f.modeOctal() + "\0" + content.length + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update(content);
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    private static String parent(String path) {
        return path.substring(0, Math.max(1, path.lastIndexOf('/')));
    }

    /** Stops the component and removes every file it put on the host and the state it created. Idempotent. */
    default void clean(RemoteHost remote, Host host, List<RenderedFile> files) {
        for (String cmd : stopCommands(host)) {
            remote.execChecked(cmd);
        }
        List<String> paths = new ArrayList<>(files.stream().map(RenderedFile::path).toList());
        for (RenderedFile f : files) {
            if (watchedDirectories().contains(parent(f.path()))) {
                paths.add(STAGING_ROOT + f.path());
            }
        }
        if (restartsOnChange(host)) {
            paths.add(stampPath());
        }
        paths.addAll(statePaths(host));
        if (!paths.isEmpty()) {
            remote.execChecked("rm -rf -- " + String.join(" ", paths.stream().map(Shell::quote).toList()));
        }
    }

    /**
     * What {@link #run} did on one host.
     *
     * @param changedPaths files whose content was new or different
     * @param commands     commands executed, in order
     */
    record RunReport(String component, String host, int files, List<String> changedPaths, List<String> commands) {
        public RunReport {
            changedPaths = List.copyOf(changedPaths);
            commands = List.copyOf(commands);
        }
    }
}
