package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Addresses;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

import java.time.Duration;
import java.util.List;

/**
 * After the etcd host services are started on every member: each member's /health through {@code etcdctl endpoint
 * health} on the member itself, with the healthcheck client certificate (a member is healthy once the cluster has
 * its quorum, so the members are all started by the phase before this one, never waited for one by one). A
 * time-out fails the member with etcdctl's last answer and the service's journal.
 */
public final class EtcdHealthPhase extends HostPhase {
    static final int SECONDS = 120;
    static final String PKI = "/etc/kubernetes/pki/etcd";

    @Override
    public String name() {
        return "wait-etcd";
    }

    @Override
    public String title() {
        return "Wait for every etcd member's health";
    }

    @Override
    public boolean shouldRun(RunContext ctx) {
        return ctx.inventory().etcdMode() == EtcdSettings.Mode.HOST_SERVICE;
    }

    @Override
    public List<Host> hosts(RunContext ctx) {
        return shouldRun(ctx) ? ctx.inventory().etcdMembers() : List.of();
    }

    /** etcdctl's health check of the member at its own client URL, with the healthcheck client. */
    static String healthCommand(Host member) {
        return healthCommand(Addresses.httpsUrl(member.internalAddress(), 2379), BundleBinaries.BIN_DIR + "/etcdctl", PKI);
    }

    /** The same for any client URL, etcdctl and directory of the etcd CA and healthcheck client (tests move them). */
    static String healthCommand(String clientUrl, String etcdctl, String pkiDir) {
        return "ETCDCTL_API=3 " + etcdctl + " --endpoints=" + Shell.quote(clientUrl) + " --cacert=" + pkiDir + "/ca.crt --cert="
                + pkiDir + "/healthcheck-client.crt --key=" + pkiDir + "/healthcheck-client.key --dial-timeout=3s"
                + " --command-timeout=3s endpoint health";
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        String check = healthCommand(host);
        String loop = "i=0; while [ $i -lt " + SECONDS + " ]; do out=$(" + check + " 2>&1) && { echo \"$out\"; exit 0; };"
                + " sleep 2; i=$((i+2)); done; echo \"$out\"; exit 1";
        ExecResult r;
        try (var wait = ctx.console().waiting("etcd " + host.name(),
                String.format(java.util.Locale.ROOT, "    %-20s waiting for etcd to report healthy", host.name()))) {
            r = remote.exec(loop, Duration.ofSeconds(SECONDS + 30));
        }
        if (r.exitCode() != 0) {
            String journal = remote.exec("journalctl -u etcd -n 12 --no-pager 2>/dev/null | tail -n 12").stdout().strip();
            throw new HostFailureException(host.name(), "etcd did not report healthy within " + SECONDS + " s; etcdctl"
                    + " endpoint health says: " + r.stdout().strip() + (journal.isEmpty() ? "" : "\n    etcd's journal:\n    "
                    + journal.replace("\n", "\n    ")));
        }
        ctx.console().detail("    " + host.name() + ": " + r.stdout().strip());
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        // waits only: a dry run starts nothing to wait for
    }
}
