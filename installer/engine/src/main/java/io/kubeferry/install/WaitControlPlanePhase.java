package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

import java.time.Duration;
import java.util.List;

/**
 * Each control plane's kubelet /healthz, then its API server's /readyz (which includes etcd), reached at the
 * control plane's own address with the admin kubeconfig: the serving certificate is checked against the cluster
 * CA. A time-out fails the host with what the diagnosis found there.
 */
public final class WaitControlPlanePhase extends HostPhase {
    static final int KUBELET_SECONDS = 120;
    static final Duration READYZ_TIMEOUT = Duration.ofMinutes(4);
    static final int API_LISTEN_SECONDS = 180;
    private final InstallRun run;

    public WaitControlPlanePhase(InstallRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "wait-control-plane";
    }

    @Override
    public String title() {
        return "Wait for the control plane";
    }

    @Override
    public List<Host> hosts(RunContext ctx) {
        return ctx.inventory().controlPlanes();
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        KubeletWait.healthz(ctx, host, remote, KUBELET_SECONDS);
        apiServerListening(ctx, host, remote);
        String waitLine = String.format(java.util.Locale.ROOT, "    %-20s waiting for the API server's /readyz", host.name());
        try (KubeApi api = run.api().openOn(ctx, host, "admin.conf");
             var wait = ctx.console().waiting("readyz " + host.name(), waitLine)) {
            api.waitForReadyz(READYZ_TIMEOUT, line -> {
                ctx.console().status("readyz " + host.name(), waitLine + ": " + line, false);
                ctx.console().detail("    " + host.name() + ": " + line);
            });
        } catch (HostFailureException e) {
            throw new HostFailureException(host.name(), e.getMessage() + "; found on the host:\n    "
                    + HostDiagnosis.describe(HostDiagnosis.diagnose(host, remote)), e);
        }
        ctx.console().detail("    " + host.name() + ": API server ready");
    }

    /**
     * Waits on the host until its API server answers HTTPS at all (any status): before that, a connection through
     * an SSH tunnel fails like a TLS error, which the API client rightly does not retry.
     */
    static void apiServerListening(RunContext ctx, Host host, RemoteHost remote) {
        int port = ctx.inventory().cluster().controlPlaneEndpoint().port();
        String loop = "command -v curl >/dev/null 2>&1 || exit 0; i=0; while [ $i -lt " + API_LISTEN_SECONDS + " ]; do"
                + " code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 https://127.0.0.1:" + port + "/readyz 2>/dev/null);"
                + " case \"$code\" in ''|000) ;; *) exit 0;; esac; sleep 1; i=$((i+1)); done; exit 1";
        if (remote.exec(loop, Duration.ofSeconds(API_LISTEN_SECONDS + 30)).exitCode() != 0) {
            throw new HostFailureException(host.name(), "the API server does not listen on port " + port + " after "
                    + API_LISTEN_SECONDS + " s; found on the host:\n    " + HostDiagnosis.describe(HostDiagnosis.diagnose(host, remote)));
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        // waits only: a dry run starts nothing to wait for
    }
}
