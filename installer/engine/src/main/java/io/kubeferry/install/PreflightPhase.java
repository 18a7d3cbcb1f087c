package io.kubeferry.install;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.facts.Preflight;
import io.kubeferry.host.HostFacts;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * kubeadm's preflight judgement of each host's facts and of the hosts against each other (hostnames, MAC addresses,
 * product_uuid: judged once from every host's facts), the commands each host needs that the bundle does not bring,
 * other container runtimes and kubelets Kubeferry did not install, plus the host's architecture against the
 * bundle's. Errors fail the host (every host is judged; the runner names each with its reasons, one line per host);
 * warnings are shown, notes say what the install takes care of (ip_forward, br_netfilter). The safe
 * fixes (swap off and out of fstab, SELinux permissive) are applied and announced unless {@code --no-fix};
 * kernel modules and sysctls are the kernel-settings component's files.
 */
public final class PreflightPhase extends HostPhase {
    /** The fix for swap: off now, and its fstab lines commented out (sed keeps {@code /etc/fstab.kubeferry-bak}). */
    public static final String SWAP_OFF = "swapoff -a && if [ -f /etc/fstab ]; then sed -i.kubeferry-bak"
            + " -E 's@^([^#][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]].*)$@# kubeferry: swap off for the kubelet: \\1@' /etc/fstab; fi";
    public static final String SELINUX_PERMISSIVE = "setenforce 0 && if [ -f /etc/selinux/config ]; then"
            + " sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config; fi";

    private final InstallRun run;
    /** Every host's findings, judged once per run when the first host asks (the cross-host ones need all facts). */
    private RunContext judgedFor;
    private Map<String, List<Preflight.Finding>> findingsByHost;

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
        // before anything is changed: what the host has, for `installer reset` (kept from the first install)
        if (remote.execChecked(io.kubeferry.reset.HostRecord.recordFoundCommand()).stdout().contains("recorded")) {
            ctx.console().detail("    " + host.name() + ": recorded what the host had in " + io.kubeferry.reset.HostRecord.FOUND);
        }
        for (String fix : fixes(f)) {
            if (!run.fixHosts()) {
                ctx.console().warn(host.name() + ": --no-fix: not run: " + fix);
                continue;
            }
            // the files the fix edits are backed up first, so reset puts them back
            remote.execChecked(io.kubeferry.reset.HostRecord.recordCommand(io.kubeferry.reset.HostRecord.writtenRecord("preflight"),
                    fix.equals(SWAP_OFF) ? List.of("f /etc/fstab", "f /etc/fstab.kubeferry-bak") : List.of("f /etc/selinux/config")));
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
        for (Preflight.Finding finding : findings(ctx).getOrDefault(host.name(), List.of())) {
            switch (finding.level()) {
                case ERROR -> errors.add(finding.message());
                case WARNING -> ctx.console().warn(host.name() + ": " + finding.message());
                case NOTE -> ctx.console().info("    " + host.name() + ": " + finding.message());
            }
        }
        if (run.hasBundle() && !run.bundle().manifest().architectures().contains(f.arch())) {
            errors.add("architecture " + f.arch() + " but the bundle carries " + run.bundle().manifest().architectures()
                    + "; build a bundle with architectures: [" + f.arch() + "]");
        }
        return errors;
    }

    private synchronized Map<String, List<Preflight.Finding>> findings(RunContext ctx) {
        if (judgedFor != ctx) {
            findingsByHost = preflight(ctx).checkAll(ctx.inventory(), ctx.allFacts()).stream()
                    .collect(Collectors.groupingBy(Preflight.Finding::host));
            judgedFor = ctx;
        }
        return findingsByHost;
    }

    /** With the bundle: its kubelet is recognised by sha256 and what it brings is not required on hosts. */
    private Preflight preflight(RunContext ctx) {
        var version = ctx.inventory().cluster().kubernetesVersion();
        if (!run.hasBundle()) {
            return new Preflight(version);
        }
        BundleManifest m = run.bundle().manifest();
        Map<String, String> kubeletSha = new HashMap<>();
        for (String arch : m.architectures()) {
            m.binary("kubelet", arch).flatMap(b -> m.file(b.path()))
                    .ifPresent(file -> kubeletSha.put(arch, file.sha256()));
        }
        return new Preflight(version, kubeletSha, m.binaries().stream().map(BundleManifest.Binary::name)
                .collect(Collectors.toSet()));
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
