package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.RunContext;

import java.time.Duration;

/** Waits on the host for the kubelet's /healthz; on time-out, fails naming what the diagnosis found. */
final class KubeletWait {
    static final int HEALTHZ_PORT = 10248;

    private KubeletWait() {
    }

    static void healthz(RunContext ctx, Host host, RemoteHost remote, int seconds) {
        String probe = "curl -fsS --max-time 2 http://127.0.0.1:" + HEALTHZ_PORT + "/healthz 2>/dev/null"
                + " || wget -qO- -T 2 http://127.0.0.1:" + HEALTHZ_PORT + "/healthz 2>/dev/null";
        String loop = "i=0; while [ $i -lt " + seconds + " ]; do if (" + probe + ") >/dev/null; then exit 0; fi;"
                + " sleep 1; i=$((i+1)); done; exit 1";
        int exit;
        try (var wait = ctx.console().waiting("kubelet " + host.name(),
                String.format(java.util.Locale.ROOT, "    %-20s waiting for the kubelet's /healthz", host.name()))) {
            exit = remote.exec(loop, Duration.ofSeconds(seconds + 30)).exitCode();
        }
        if (exit != 0) {
            throw new HostFailureException(host.name(), "the kubelet's /healthz (127.0.0.1:" + HEALTHZ_PORT
                    + ") did not answer within " + seconds + " s; found on the host:\n    "
                    + HostDiagnosis.describe(HostDiagnosis.diagnose(host, remote)));
        }
    }
}
