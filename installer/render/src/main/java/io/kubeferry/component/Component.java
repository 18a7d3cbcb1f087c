package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One piece of the cluster, described the same way as every other: its files per host and its addons (render:
 * pure, from the model), how it starts and stops, which directories and state it owns, which PKI files make it
 * restart. A component is a description: the engine's applier puts its files on a host (staging, compare,
 * atomic move, stamp, restart) and cleans them, the render tree saves them for review, and the phases decide
 * when and where. Every component therefore gets render, save, run and clean, dry runs and resumes alike.
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

    /** Directories whose mode matters (kubeadm keeps manifests and kubelet state 0700); set by the applier. */
    default Map<String, Integer> directoryModes() {
        return Map.of();
    }

    /** Paths the running component created on the host (data dirs), removed when the component is cleaned. */
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
     * True when the start differs for changed files (a daemon restart): only such components need the stamp
     * ({@link #stampPath}) that tells a later run whether the daemon was started with the current files.
     */
    default boolean restartsOnChange(Host host) {
        return !startCommands(host, true).equals(startCommands(host, false));
    }

    /**
     * True when this component reads that host file (a certificate, key or kubeconfig from the PKI) on
     * {@code host}, so that a change to it restarts the component.
     */
    default boolean readsPkiFile(Host host, String hostPath) {
        return false;
    }

    /** Where the PKI puts its files on hosts (kubeadm's layout). */
    String PKI_DIR = "/etc/kubernetes/pki";

    /** Restarts the running component so it reads its files again; does nothing where it is not running. */
    default Optional<String> restartCommand(Host host) {
        return Optional.empty();
    }

    /**
     * Exits 0 once the component runs again after {@link #restartCommand}, or at once where it is not
     * installed; waits at most {@code seconds}.
     */
    default Optional<String> waitRunningCommand(Host host, int seconds) {
        return Optional.empty();
    }

    /** Where the applier records, after a successful start, what the running daemon was started with. */
    String APPLIED_DIR = "/etc/kubeferry/applied";

    /** {@code /etc/kubeferry/applied/<name>.sha256}: {@link #appliedHash} of the files the last good start used. */
    default String stampPath() {
        return APPLIED_DIR + "/" + name() + ".sha256";
    }

    /** sha256 over every file's path, mode and content, in order: equal exactly when the applied set is equal. */
    static String appliedHash(List<HostFile> files) {
        java.security.MessageDigest md = ContentHash.newSha256();
        for (HostFile f : files) {
            byte[] content = f.content();
            md.update((f.path() + "\0" + f.modeOctal() + "\0" + content.length + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update(content);
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }
}
