package io.kubeferry.phase.builtin;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostPhase;
import io.kubeferry.phase.RunContext;

/** Opens one SSH connection per host (reused by every later phase) and checks that root works. */
public final class ConnectPhase extends HostPhase.ReadOnly {
    public static final String NAME = "connect";
    private final java.util.function.Predicate<String> connects;

    /** Every host of the inventory. */
    public ConnectPhase() {
        this(java.util.Set.of());
    }

    /** @param only the hosts to connect to (a command's --host); empty: every host. Names are checked by the command's phases. */
    public ConnectPhase(java.util.Set<String> only) {
        java.util.Set<String> copy = java.util.Set.copyOf(only);
        this.connects = name -> copy.isEmpty() || copy.contains(name);
    }

    private ConnectPhase(java.util.function.Predicate<String> connects) {
        this.connects = connects;
    }

    /** Every host but these (hosts known to be down: remove-node --unreachable). */
    public static ConnectPhase allBut(java.util.Set<String> skipped) {
        java.util.Set<String> copy = java.util.Set.copyOf(skipped);
        return new ConnectPhase(name -> !copy.contains(name));
    }

    @Override
    public java.util.List<Host> hosts(RunContext ctx) {
        return ctx.inventory().hosts().stream().filter(h -> connects.test(h.name())).toList();
    }

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
