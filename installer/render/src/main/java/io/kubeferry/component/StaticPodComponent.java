package io.kubeferry.component;

import io.kubeferry.host.HostFile;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A control-plane static pod: one manifest in /etc/kubernetes/manifests (0600, as kubeadm) rendered from
 * {@code <template folder>/<name>.yaml.ftl}. The kubelet starts it when the file appears and stops it when
 * the file goes, so run and clean only move the file.
 */
public abstract class StaticPodComponent extends PerHostComponent {
    public static final String MANIFESTS_DIR = "/etc/kubernetes/manifests";

    @Override
    public Set<String> watchedDirectories() {
        return Set.of(MANIFESTS_DIR);
    }

    @Override
    public Map<String, Integer> directoryModes() {
        return Map.of(MANIFESTS_DIR, 0700);
    }

    /** The PKI files (absolute host paths) this static pod reads: a change restarts it. */
    protected abstract Set<String> pkiFilesRead();

    @Override
    public boolean readsPkiFile(Host host, String hostPath) {
        return pkiFilesRead().contains(hostPath);
    }

    /**
     * The kubelet restarts a static pod's container when it is stopped, and the new container reads the files
     * again. Prints "restarted" only when a container was stopped (nothing to do before the install or without
     * crictl).
     */
    @Override
    public Optional<String> restartCommand(Host host) {
        String name = Shell.quote("^" + name() + "$");
        return Optional.of("if command -v crictl >/dev/null 2>&1; then ids=$(crictl ps -q --name " + name
                + " 2>/dev/null); if [ -n \"$ids\" ]; then crictl stop $ids >/dev/null && echo restarted; fi; fi");
    }

    @Override
    public Optional<String> waitRunningCommand(Host host, int seconds) {
        String installed = "command -v crictl >/dev/null 2>&1 && [ -f " + Shell.quote(MANIFESTS_DIR + "/" + name() + ".yaml") + " ]";
        String running = "crictl ps -q --state running --name " + Shell.quote("^" + name() + "$") + " 2>/dev/null | grep -q .";
        return Optional.of(installed + " || exit 0; i=0; while [ $i -lt " + seconds + " ]; do " + running
                + " && exit 0; sleep 1; i=$((i+1)); done; exit 1");
    }

    /** Host paths of PKI files, from names relative to {@link #PKI_DIR}. */
    protected static Set<String> pki(String... names) {
        return java.util.Arrays.stream(names).map(n -> n.startsWith("/") ? n : PKI_DIR + "/" + n)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The template, relative to the templates root. */
    protected abstract String template();

    @Override
    protected List<HostFile> files(RenderContext c, Host h) {
        return List.of(c.file(MANIFESTS_DIR + "/" + name() + ".yaml", 0600, template(), h));
    }
}
