package io.kubeferry.phase.builtin;

import io.kubeferry.host.HostFile;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Puts changed PKI files on the hosts that hold them and restarts what reads them: the kubelet through
 * systemd, a static pod by stopping its container (the kubelet starts it again, reading the new files).
 * Unchanged files are not sent (the upload compares sha256 first). One host at a time, waiting until what
 * was restarted runs again, so etcd keeps its quorum and the API stays up during a renewal.
 */
public final class PushPkiPhase extends HostPhase {
    private static final Set<String> STATIC_PODS = Set.of("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd");
    private final Supplier<Map<Host, List<HostFile>>> files;

    /** @param files per host, the files to push; asked when the phase runs (after the renewal) */
    public PushPkiPhase(Supplier<Map<Host, List<HostFile>>> files) {
        this.files = files;
    }

    @Override
    public String title() {
        return "Push certificates and restart their users";
    }

    /** How long a restarted component may take to run again before the renewal stops. */
    static final int RESTART_WAIT_SECONDS = 180;

    @Override
    public int maxConcurrency() {
        return 1;
    }

    @Override
    public List<Host> hosts(RunContext ctx) {
        return new ArrayList<>(files.get().keySet());
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        Set<String> restart = new TreeSet<>();
        for (HostFile f : files.get().get(host)) {
            if (!remote.put(f.content(), f.path(), f.mode()).skipped()) {
                restart.addAll(componentsUsing(f.path()));
            }
        }
        for (String component : restart) {
            remote.execChecked(restartCommand(component));
            if (remote.exec(waitCommand(component), java.time.Duration.ofSeconds(RESTART_WAIT_SECONDS + 10)).exitCode() != 0) {
                throw new io.kubeferry.errors.HostFailureException(host.name(), component + " did not run again within "
                        + RESTART_WAIT_SECONDS + " s after the restart for new certificates; look at its logs"
                        + " (crictl logs / journalctl -u kubelet), then run the renewal again");
            }
            ctx.console().detail("    " + host.name() + ": restarted " + component);
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        Set<String> restart = new TreeSet<>();
        for (HostFile f : files.get().getOrDefault(host, List.of())) {
            ctx.plan().change(host.name(), title(), "write " + f.path() + " (mode " + Integer.toOctalString(f.mode()) + ")");
            restart.addAll(componentsUsing(f.path()));
        }
        restart.forEach(c -> ctx.plan().change(host.name(), title(), "restart " + c));
    }

    /*
     * TEMPORARY, to move into the render components (each component says which files make it restart): which
     * component reads a PKI file at this host path and must be restarted after it changes. admin.conf and
     * super-admin.conf are read by people, nothing to restart. (Moved here unchanged from PkiService.)
     */
    static Set<String> componentsUsing(String hostPath) {
        String pki = PkiLayout.HOST_PKI_DIR + "/";
        if (hostPath.startsWith(pki + "etcd/")) {
            // the apiserver trusts etcd's CA; etcd itself uses everything in etcd/
            return hostPath.endsWith("/ca.crt") ? Set.of("etcd", "kube-apiserver") : Set.of("etcd");
        }
        return switch (hostPath.substring(hostPath.lastIndexOf('/') + 1)) {
            case "apiserver.crt", "apiserver.key", "apiserver-kubelet-client.crt", "apiserver-kubelet-client.key",
                 "front-proxy-client.crt", "front-proxy-client.key", "apiserver-etcd-client.crt",
                 "apiserver-etcd-client.key", "sa.pub", "front-proxy-ca.crt" -> Set.of("kube-apiserver");
            case "ca.crt" -> Set.of("kube-apiserver", "kube-controller-manager", "kubelet");
            case "ca.key", "sa.key" -> Set.of("kube-apiserver", "kube-controller-manager");
            case "controller-manager.conf" -> Set.of("kube-controller-manager");
            case "scheduler.conf" -> Set.of("kube-scheduler");
            case "kubelet.conf" -> Set.of("kubelet");
            default -> Set.of();
        };
    }

    /** Exits 0 once the component runs again (or when it was not installed here: nothing to wait for). */
    static String waitCommand(String component) {
        String check = STATIC_PODS.contains(component)
                ? "crictl ps -q --state running --name " + Shell.quote("^" + component + "$") + " 2>/dev/null | grep -q ."
                : "systemctl is-active --quiet " + Shell.quote(component);
        String installed = STATIC_PODS.contains(component)
                ? "command -v crictl >/dev/null 2>&1 && [ -f /etc/kubernetes/manifests/" + component + ".yaml ]"
                : "systemctl is-enabled --quiet " + Shell.quote(component) + " 2>/dev/null";
        return installed + " || exit 0; i=0; while [ $i -lt " + RESTART_WAIT_SECONDS + " ]; do " + check
                + " && exit 0; sleep 1; i=$((i+1)); done; exit 1";
    }

    /** Only what is running is restarted: a host where the cluster is not installed yet just gets the files. */
    static String restartCommand(String component) {
        if (STATIC_PODS.contains(component)) {
            return "if command -v crictl >/dev/null 2>&1; then ids=$(crictl ps -q --name " + Shell.quote("^" + component + "$")
                    + " 2>/dev/null); [ -z \"$ids\" ] || crictl stop $ids >/dev/null; fi";
        }
        return "if systemctl is-active --quiet " + Shell.quote(component) + "; then systemctl restart "
                + Shell.quote(component) + "; fi";
    }
}
