package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The user's etcd ({@code cluster.etcd.mode: external}), checked from the first control plane with the files the
 * API servers will use (put there by distribute): every endpoint's {@code /health} over TLS with the CA, client
 * certificate and key. Fails naming each endpoint with curl's TLS or connection error, or the HTTP answer.
 */
public final class ExternalEtcdCheckPhase extends HostPhase {
    static final String CA = "/etc/kubernetes/pki/etcd/ca.crt";
    static final String CERT = "/etc/kubernetes/pki/apiserver-etcd-client.crt";
    static final String KEY = "/etc/kubernetes/pki/apiserver-etcd-client.key";
    static final int TIMEOUT_SECONDS = 10;

    @Override
    public String name() {
        return "check-external-etcd";
    }

    @Override
    public String title() {
        return "Check the external etcd over TLS";
    }

    @Override
    public boolean shouldRun(RunContext ctx) {
        return ctx.inventory().etcdMode() == EtcdSettings.Mode.EXTERNAL;
    }

    @Override
    public List<Host> hosts(RunContext ctx) {
        return shouldRun(ctx) ? List.of(ctx.inventory().controlPlanes().get(0)) : List.of();
    }

    /** curl of one endpoint's /health; prints the body, then the HTTP status on a line of its own. */
    static String healthCommand(String endpoint, String ca, String cert, String key) {
        return "curl -sS --max-time " + TIMEOUT_SECONDS + " --cacert " + Shell.quote(ca) + " --cert " + Shell.quote(cert)
                + " --key " + Shell.quote(key) + " -w '\\n%{http_code}' " + Shell.quote(endpoint + "/health");
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        List<String> endpoints = ctx.inventory().cluster().etcd().external().orElseThrow().endpoints();
        List<String> problems = new ArrayList<>();
        for (String endpoint : endpoints) {
            String problem = problem(remote.exec(healthCommand(endpoint, CA, CERT, KEY), Duration.ofSeconds(TIMEOUT_SECONDS + 20)));
            if (problem != null) {
                problems.add(endpoint + ": " + problem);
            } else {
                ctx.console().detail("    " + host.name() + ": " + endpoint + " healthy");
            }
        }
        if (!problems.isEmpty()) {
            throw new HostFailureException(host.name(), "the external etcd (cluster.etcd.external) does not answer as"
                    + " the API servers need, checked with " + CA + ", " + CERT + " and " + KEY + ":\n    "
                    + String.join("\n    ", problems));
        }
    }

    /** Why curl's answer is not a healthy member, or null when it is. */
    static String problem(ExecResult r) {
        if (r.exitCode() != 0) {
            String err = r.stderr().strip();
            return "curl exit " + r.exitCode() + ": " + (err.isEmpty() ? r.stdout().strip() : err) + hint(r.exitCode());
        }
        String out = r.stdout().strip();
        int nl = out.lastIndexOf('\n');
        String status = nl < 0 ? out : out.substring(nl + 1);
        String body = nl < 0 ? "" : out.substring(0, nl).strip();
        if (!status.equals("200")) {
            return "HTTP " + status + ": " + body;
        }
        if (!body.replace(" ", "").contains("\"health\":\"true\"")) {
            return "not healthy: " + body;
        }
        return null;
    }

    /** What curl's exit code usually means here (TLS 1.3 reports a refused client certificate as a dropped link). */
    static String hint(int curlExit) {
        return switch (curlExit) {
            case 6 -> " (the endpoint's name does not resolve on this host)";
            case 7 -> " (nothing listens there, or a firewall drops it: check the endpoint's address and port)";
            case 28 -> " (no answer in time: a firewall, or the member is down)";
            case 35, 55, 56 -> " (the TLS handshake failed or etcd closed the connection right after it: most often etcd"
                    + " refused the client certificate, i.e. certFile is not signed by the CA etcd trusts"
                    + " (its --trusted-ca-file))";
            case 58 -> " (curl could not use the client certificate or key)";
            case 60 -> " (the server's certificate is not signed by caFile, or does not name the endpoint's address)";
            default -> "";
        };
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        // reads only, but the files arrive with distribute: check when they are there already (a re-run)
        if (remote.exec("test -f " + CA + " && test -f " + CERT + " && test -f " + KEY).exitCode() == 0) {
            runOn(ctx, host, remote);
        } else {
            ctx.plan().change(host.name(), title(), "check " + String.join(", ",
                    ctx.inventory().cluster().etcd().external().orElseThrow().endpoints()) + " once the files are there");
        }
    }
}
