package io.kubeferry.reset;

import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.ExecResult;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

import java.time.Duration;
import java.util.List;

/**
 * One step of a reset on every named host: works out from the host's records and its state now what there is to
 * undo ({@link #steps}, read only), then does it (or, in a dry run, lists it). A host Kubeferry never installed
 * is left alone.
 */
abstract class ResetPhase extends HostPhase {
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);
    protected final ResetRun run;
    private final String name;
    private final String title;

    ResetPhase(ResetRun run, String name, String title) {
        this.run = run;
        this.name = name;
        this.title = title;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String title() {
        return title;
    }

    @Override
    public boolean runsAlone() {
        return false; // its command takes --host and --yes
    }

    @Override
    public List<Host> hosts(RunContext ctx) {
        return run.hosts(ctx);
    }

    /** What there is to undo on this host now; reads only. */
    abstract List<ResetPlan.Step> steps(RunContext ctx, Host host, RemoteHost remote, ResetRun.HostState state);

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        ResetRun.HostState state = run.state(host, remote);
        if (!state.installed()) {
            return;
        }
        for (ResetPlan.Step s : steps(ctx, host, remote, state)) {
            ExecResult r = remote.exec(s.command(), STEP_TIMEOUT);
            if (!r.ok()) {
                throw new HostFailureException(host.name(), s.what() + " failed (exit " + r.exitCode() + "): "
                        + r.stderr().strip() + "; fix it and run reset again: it goes on from what is left");
            }
            if (!r.stderr().isBlank()) { // what the tools said (systemctl's "Removed ..."): for -v and the log
                ctx.console().detail("    " + host.name() + ": " + s.what() + ": " + r.stderr().strip());
            }
            ctx.changed(host.name(), s.what());
            run.undone(host.name(), s.what());
        }
    }

    @Override
    public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
        ResetRun.HostState state = run.state(host, remote);
        if (!state.installed()) {
            return;
        }
        for (ResetPlan.Step s : steps(ctx, host, remote, state)) {
            ctx.plan().change(host.name(), title, s.what());
        }
    }

    /** The lines a read-only command prints, stripped, blank ones left out. */
    static List<String> lines(RemoteHost remote, String command) {
        return remote.exec(command).stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
