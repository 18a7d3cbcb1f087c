package io.kubeferry.install;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.facts.Preflight;
import io.kubeferry.host.HostFacts;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

import java.util.ArrayList;
import java.util.List;

/**
 * kubeadm's preflight judgement of each host's facts, plus the host's architecture against the bundle's. Errors
 * fail the host (every host is judged; the runner names each with its reasons); warnings are shown. The safe
 * fixes (swap off and out of fstab, SELinux permissive) are applied and announced unless {@code --no-fix};
 * kernel modules and sysctls are the kernel-settings component's files.
 */
public final class PreflightPhase extends HostPhase {
    static final String SWAP_OFF = "swapoff -a && if [ -f /etc/fstab ]; then sed -i.kubeferry-bak"
            + " -E 's@^([^#][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]].*)$@# kubeferry: swap off for the kubelet: \\1@' /etc/fstab; fi";
    static final String SELINUX_PERMISSIVE = "setenforce 0 && if [ -f /etc/selinux/config ]; then"
            + " sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config; fi";

    private final InstallRun run;
    private final Preflight preflight = new Preflight();

    public PreflightPhase(InstallRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "preflight";
    }

    @Override
    public String title() {
        return "Preflight checks and safe fixes";
    }

    /** Every host: nodes, and the etcd hosts of a host-service etcd. */
    @Override
    public List<Host> hosts(RunContext ctx) {
        return ctx.inventory().hosts();
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        HostFacts f = facts(ctx, host);
        List<String> errors = judge(ctx, host, f);
        for (String fix : fixes(f)) {
            if (!run.fixHosts()) {
                ctx.console().warn(host.name() + ": --no-fix: not run: " + fix);
                continue;
            }
            remote.execChecked(fix);
            ctx.changed(host.name(), "fixed: " + fix.substring(0, fix.indexOf(" &&")));
            ctx.console().info("    " + host.name() + ": fixed: " + fix.substring(0, fix.indexOf(" &&")));
        }
        if (!errors.isEmpty()) {
            throw new HostFailureException(host.name(), "not fit for Kubernetes: " + String.join("; ", errors));
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        HostFacts f = facts(ctx, host);
        List<String> errors = judge(ctx, host, f);
        if (run.fixHosts()) {
            fixes(f).forEach(fix -> ctx.plan().change(host.name(), title(), "run " + fix));
        }
        if (!errors.isEmpty()) {
            throw new HostFailureException(host.name(), "not fit for Kubernetes: " + String.join("; ", errors));
        }
    }

    private List<String> judge(RunContext ctx, Host host, HostFacts f) {
        List<String> errors = new ArrayList<>();
        for (Preflight.Finding finding : preflight.check(host, f)) {
            if (finding.level() == Preflight.Level.ERROR) {
                errors.add(finding.message());
            } else {
                ctx.console().warn(host.name() + ": " + finding.message());
            }
        }
        if (run.hasBundle() && !run.bundle().manifest().architectures().contains(f.arch())) {
            errors.add("architecture " + f.arch() + " but the bundle carries " + run.bundle().manifest().architectures()
                    + "; build a bundle with architectures: [" + f.arch() + "]");
        }
        return errors;
    }

    private static List<String> fixes(HostFacts f) {
        List<String> out = new ArrayList<>();
        if (f.swapKb() > 0) {
            out.add(SWAP_OFF);
        }
        if (f.selinux().equals("enforcing")) {
            out.add(SELINUX_PERMISSIVE);
        }
        return out;
    }

    private static HostFacts facts(RunContext ctx, Host host) {
        return ctx.facts(host.name()).orElseThrow(() -> new IllegalStateException("no facts for " + host.name()
                + ": the gather-facts phase runs before preflight"));
    }
}
