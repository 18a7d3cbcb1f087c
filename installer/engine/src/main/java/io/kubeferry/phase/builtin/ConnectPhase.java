package io.kubeferry.phase.builtin;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

/** Opens one SSH connection per host (reused by every later phase) and checks that root works. */
public final class ConnectPhase extends HostPhase.ReadOnly {
    public static final String NAME = "connect";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Connect to hosts";
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        // `id -u` proves the command runs as root (directly or through sudo)
        String uid = remote.execChecked("id -u").stdout().strip();
        if (!uid.equals("0")) {
            throw new io.kubeferry.errors.HostFailureException(host.name(), "commands run as uid " + uid
                    + ", not root: set ssh.sudo (passwordless or password) for user " + host.ssh().user());
        }
    }
}
