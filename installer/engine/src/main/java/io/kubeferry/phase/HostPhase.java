package io.kubeferry.phase;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;

import java.util.List;

/**
 * A phase that does the same work on many hosts. The runner calls {@link #runOn} (or {@link #dryRunOn}) for
 * every host of {@link #hosts} in parallel (at most {@code --concurrency} at once), collects every host's
 * failure, and fails the phase naming each failed host. Hosts that failed in an earlier phase of a run that
 * keeps going are left out.
 */
public abstract class HostPhase implements Phase {
    /** The hosts this phase works on; all hosts of the inventory by default. */
    public List<Host> hosts(RunContext ctx) {
        return ctx.inventory().hosts();
    }

    /** Work on one host. Throw to fail this host; other hosts go on. */
    public abstract void runOn(RunContext ctx, Host host, RemoteHost remote);

    /**
     * What {@link #runOn} would change on this host, recorded in {@code ctx.plan()}; may read the host, must
     * change nothing. No default: every host phase says what its dry run does.
     */
    public abstract void dryRunOn(RunContext ctx, Host host, RemoteHost remote);

    /**
     * At most this many hosts at once, whatever --concurrency says: 1 for rolling work such as restarting
     * control-plane components one node at a time, so etcd keeps its quorum and the API stays up.
     */
    public int maxConcurrency() {
        return Integer.MAX_VALUE;
    }

    /** Whether this phase needs an SSH connection to the host (false for phases working on local state). */
    public boolean needsConnection() {
        return true;
    }

    @Override
    public final void run(RunContext ctx) {
        ctx.runner().forEachHost(ctx, this, false);
    }

    @Override
    public final void dryRun(RunContext ctx) {
        ctx.runner().forEachHost(ctx, this, true);
    }

    /** A host phase that only reads: its dry run is its run. */
    public abstract static class ReadOnly extends HostPhase {
        @Override
        public final void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
            runOn(ctx, host, remote);
        }

        @Override
        public final boolean readOnly() {
            return true;
        }
    }
}
