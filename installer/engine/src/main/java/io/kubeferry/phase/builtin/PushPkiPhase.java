package io.kubeferry.phase.builtin;

import io.kubeferry.host.HostFile;
import io.kubeferry.apply.ComponentApplier;
import io.kubeferry.component.Component;
import io.kubeferry.component.Components;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiService;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Puts every host's PKI files as the state directory has them and restarts the components that read a changed
 * one (each component says which files it reads and how it restarts). Unchanged files are not sent (the upload
 * compares sha256 first), so after a renewal only the re-signed files move, and a host that was down during a
 * renewal is brought back in line by pushing again. One host at a time, waiting until what was restarted runs
 * again, so etcd keeps its quorum and the API stays up.
 */
public final class PushPkiPhase extends HostPhase {
    /** How long a restarted component may take to run again before the push stops. */
    static final int RESTART_WAIT_SECONDS = 180;

    private final PkiService pki;
    private final boolean replaceWriteOnce;
    private final java.util.Optional<io.kubeferry.install.ClusterApi> api;
    private final List<Component> components = Components.standard();

    /**
     * @param replaceWriteOnce also replace the files a host's own daemon takes over (the kubelet's rotating client
     *                         credentials, {@link PkiService#isWriteOnce}): only when this run renewed them
     * @param api              how to reach a control plane's API server, to wait for its {@code /readyz} after its
     *                         restart before the next host (kubeadm's one-control-plane-at-a-time rule); empty: the
     *                         container running again is all that is waited for
     */
    public PushPkiPhase(PkiService pki, boolean replaceWriteOnce, java.util.Optional<io.kubeferry.install.ClusterApi> api) {
        this.pki = pki;
        this.replaceWriteOnce = replaceWriteOnce;
        this.api = api;
    }

    /** The files of this host to push: a write-once file already on the host is left to its daemon. */
    private List<HostFile> toPush(RunContext ctx, Host host, RemoteHost remote) {
        return pki.filesFor(ctx.inventory(), host).stream()
                .filter(f -> replaceWriteOnce || !PkiService.isWriteOnce(f.path())
                        || remote.exec("test -e " + io.kubeferry.host.Shell.quote(f.path())).exitCode() != 0)
                .toList();
    }

    @Override
    public String name() {
        return "push-certs";
    }

    @Override
    public String title() {
        return "Push certificates and restart their users";
    }

    @Override
    public int maxConcurrency() {
        return 1;
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        Set<Component> restart = new LinkedHashSet<>();
        for (HostFile f : toPush(ctx, host, remote)) {
            if (io.kubeferry.apply.KubeletClientCredential.handles(f.path())) {
                String dated = io.kubeferry.apply.KubeletClientCredential.write(remote, f, java.time.Instant.now());
                ctx.console().detail("    " + host.name() + ": wrote " + dated + " (" + f.path() + " points to it)");
                restart.addAll(readers(ctx, host, f.path()));
            } else if (!remote.put(f.content(), f.path(), f.mode()).skipped()) {
                ctx.console().detail("    " + host.name() + ": wrote " + f.path());
                restart.addAll(readers(ctx, host, f.path()));
            }
        }
        for (Component c : restart) {
            String cmd = c.restartCommand(host).orElseThrow();
            if (!remote.execChecked(cmd).stdout().contains("restarted")) {
                ctx.console().detail("    " + host.name() + ": " + c.name() + " is not running here: nothing to restart");
                continue;
            }
            String wait = c.waitRunningCommand(host, RESTART_WAIT_SECONDS).orElseThrow();
            if (remote.exec(wait, Duration.ofSeconds(RESTART_WAIT_SECONDS + 10)).exitCode() != 0) {
                throw new HostFailureException(host.name(), c.name() + " did not run again within "
                        + RESTART_WAIT_SECONDS + " s after the restart for new certificates; look at its logs"
                        + " (crictl logs / journalctl -u kubelet), then run the renewal again");
            }
            ctx.console().detail("    " + host.name() + ": restarted " + c.name());
            if (c.name().equals(API_SERVER) && api.isPresent()) {
                waitReady(ctx, host);
            }
        }
    }

    static final String API_SERVER = "kube-apiserver";

    /**
     * The restarted API server answers {@code /readyz} (checked against the cluster CA, with the renewed
     * admin.conf) before the next control plane is touched: a running container is not yet a serving API.
     */
    private void waitReady(RunContext ctx, Host host) {
        java.nio.file.Path admin = io.kubeferry.install.ClusterApi.kubeconfig(ctx.inventory(), "admin.conf");
        if (!java.nio.file.Files.isRegularFile(admin)) {
            return; // a state directory without kubeconfigs (certs generate run for a partial PKI): nothing to dial with
        }
        String line = String.format(java.util.Locale.ROOT, "    %-20s waiting for the API server's /readyz", host.name());
        try (io.kubeferry.kube.KubeApi kube = api.get().openOn(ctx, host, "admin.conf");
             var wait = ctx.console().waiting("readyz " + host.name(), line)) {
            kube.waitForReadyz(Duration.ofSeconds(RESTART_WAIT_SECONDS), last -> {
                ctx.console().status("readyz " + host.name(), line + ": " + last, false);
                ctx.console().detail("    " + host.name() + ": " + last);
            });
        }
        ctx.console().info("    " + host.name() + ": API server ready again with the new certificates");
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        Set<Component> restart = new LinkedHashSet<>();
        for (HostFile f : toPush(ctx, host, remote)) {
            if (!ComponentApplier.differs(remote, f)) {
                continue;
            }
            String want = io.kubeferry.component.ContentHash.sha256Hex(f.content());
            ctx.plan().change(host.name(), title(), "write " + f.path() + " (mode " + String.format("%04o", f.mode())
                    + ", sha256 " + want.substring(0, 12) + ")");
            restart.addAll(readers(ctx, host, f.path()));
        }
        restart.forEach(c -> ctx.plan().change(host.name(), title(), "restart " + c.name() + " (if it runs)"));
    }

    /** The components placed on this host that read the file and can be restarted. */
    List<Component> readers(RunContext ctx, Host host, String hostPath) {
        return components.stream()
                .filter(c -> c.enabled(ctx.inventory()) && c.hosts(ctx.inventory()).contains(host))
                .filter(c -> c.readsPkiFile(host, hostPath) && c.restartCommand(host).isPresent())
                .toList();
    }
}
