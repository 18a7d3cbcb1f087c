package io.kubeferry.phase.builtin;

import io.kubeferry.console.Console;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.HostFacts;
import io.kubeferry.facts.Preflight;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

import java.util.List;
import java.util.Locale;

/**
 * Prints every host's facts as a table and the preflight findings (each host and the hosts against each other);
 * fails on findings that block an install.
 */
public final class ReportFactsPhase implements ReadOnlyPhase {

    @Override
    public String name() {
        return "check-hosts";
    }

    @Override
    public String title() {
        return "Check hosts";
    }

    /** Nothing to judge when every host failed before its facts were gathered (a run that keeps going). */
    @Override
    public boolean shouldRun(RunContext ctx) {
        return !ctx.allFacts().isEmpty();
    }

    @Override
    public void run(RunContext ctx) {
        Console c = ctx.console();
        c.info(String.format(Locale.ROOT, "    %-16s %-15s %-22s %-6s %-20s %-6s %-6s %-10s %-9s %-8s %s",
                "HOST", "ADDRESS", "OS", "ARCH", "KERNEL", "CGROUP", "SWAP", "SELINUX", "VARLIB", "SKEW", "CPU/MEM"));
        for (Host h : ctx.inventory().hosts()) {
            HostFacts f = ctx.facts(h.name()).orElse(null);
            if (f == null) {
                c.info(String.format(Locale.ROOT, "    %-16s %-15s (no facts: the host failed earlier)", h.name(), h.address()));
                continue;
            }
            c.info(String.format(Locale.ROOT, "    %-16s %-15s %-22s %-6s %-20s %-6s %-6s %-10s %-9s %-8s %d/%dG",
                    h.name(), h.address(), trim(f.osId() + " " + f.osVersion(), 22), f.arch(), trim(f.kernel(), 20), "v" + f.cgroupVersion(),
                    f.swapKb() > 0 ? f.swapKb() / 1024 + "M" : "off", f.selinux(), f.varLibFreeKb() / (1024 * 1024) + "G",
                    String.format(Locale.ROOT, "%.1fs", f.clockSkewSeconds()), f.cpus(),
                    Math.round(f.memoryKb() / (1024.0 * 1024.0))));
        }
        List<Preflight.Finding> findings = new Preflight(ctx.inventory().cluster().kubernetesVersion())
                .checkAll(ctx.inventory(), ctx.allFacts());
        for (Preflight.Finding f : findings) {
            if (f.level() == Preflight.Level.WARNING) {
                c.warn(f.host() + ": " + f.message());
            } else if (f.level() == Preflight.Level.NOTE) {
                c.info("    " + f.host() + ": " + f.message());
            }
        }
        List<io.kubeferry.errors.Problem> errors = findings.stream().filter(f -> f.level() == Preflight.Level.ERROR)
                .map(f -> io.kubeferry.errors.Problem.error("host " + f.host(), f.message())).toList();
        if (!errors.isEmpty()) {
            throw new UnexpectedStateException("hosts are not ready for Kubernetes:" + errors.stream().map(p -> System.lineSeparator() + "  " + p.format()).collect(java.util.stream.Collectors.joining()));
        }
    }

    private static String trim(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
