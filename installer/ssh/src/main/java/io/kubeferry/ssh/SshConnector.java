package io.kubeferry.ssh;

import io.kubeferry.inventory.Host;

/**
 * Connects to hosts with shared bastion connections: hosts behind the same bastion share one connection
 * to it (and one failed attempt, remembered for the run). Thread-safe, so callers may connect to many hosts
 * in parallel (the installer's phase runner does). {@link #close()} closes the bastion connections
 * (close the hosts first).
 */
public final class SshConnector implements AutoCloseable {
    private final SshOptions options;
    private final BastionSessions bastions;

    public SshConnector() {
        this(SshOptions.defaults());
    }

    public SshConnector(SshOptions options) {
        this.options = options;
        this.bastions = new BastionSessions(options);
    }

    /** Connects to one host, sharing this connector's bastion connections. */
    public SshHost connect(Host host) {
        return SshHost.connect(host, options, bastions, false);
    }

    @Override
    public void close() {
        bastions.close();
    }
}
