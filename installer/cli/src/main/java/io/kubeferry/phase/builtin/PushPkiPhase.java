package io.kubeferry.phase.builtin;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiFile;
import io.kubeferry.pki.PkiService;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Puts changed PKI files on the hosts that hold them and restarts what reads them: the kubelet through
 * systemd, a static pod by stopping its container (the kubelet starts it again, reading the new files).
 * Unchanged files are not sent (the upload compares sha256 first).
 */
public final class PushPkiPhase extends HostPhase {
    private static final Set<String> STATIC_PODS = Set.of("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd");
    private final Supplier<Map<Host, List<PkiFile>>> files;

    /** @param files per host, the files to push; asked when the phase runs (after the renewal) */
    public PushPkiPhase(Supplier<Map<Host, List<PkiFile>>> files) {
        this.files = files;
    }

    @Override
    public String title() {
        return "Push certificates and restart their users";
    }

    @Override
    public List<Host> hosts(RunContext ctx) {
        return new ArrayList<>(files.get().keySet());
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        Set<String> restart = new TreeSet<>();
        for (PkiFile f : files.get().get(host)) {
            if (!remote.put(f.content(), f.hostPath(), f.mode()).skipped()) {
                restart.addAll(PkiService.componentsUsing(f.hostPath()));
            }
        }
        for (String component : restart) {
            remote.execChecked(restartCommand(component));
            ctx.console().detail("    " + host.name() + ": restarted " + component);
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        Set<String> restart = new TreeSet<>();
        for (PkiFile f : files.get().getOrDefault(host, List.of())) {
            ctx.plan().change(host.name(), title(), "write " + f.hostPath() + " (mode " + Integer.toOctalString(f.mode()) + ")");
            restart.addAll(PkiService.componentsUsing(f.hostPath()));
        }
        restart.forEach(c -> ctx.plan().change(host.name(), title(), "restart " + c));
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
