package io.kubeferry.install;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.RunContext;

import java.util.Set;

/**
 * The nodes that are not control planes: the local API proxy (local-proxy mode) and the kubelet, with its
 * kubeconfig from the distribute phase; done when the kubelet's /healthz answers.
 */
public final class WorkersPhase extends ComponentsPhase {
    public WorkersPhase(InstallRun run) {
        super("workers", "Join the workers", run,
                inv -> inv.nodes().stream().filter(h -> !h.isControlPlane()).toList(),
                Set.of("apiserver-proxy", "kubelet"));
    }

    @Override
    public void runOn(RunContext ctx, Host host, RemoteHost remote) {
        super.runOn(ctx, host, remote);
        KubeletWait.healthz(ctx, host, remote, WaitControlPlanePhase.KUBELET_SECONDS);
    }
}
