package io.kubeferry.install;

import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.kube.KubeApi;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.PkiLayout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens the cluster's API for the installer with a kubeconfig of the state directory. The server certificate is
 * always checked against the cluster CA and the kubeconfig's server name, whatever address is dialled:
 * <ul>
 *   <li>external endpoint: the endpoint itself;</li>
 *   <li>local-proxy mode: the endpoint's name resolves only on the nodes, so a control plane's own address;</li>
 *   <li>when that address does not answer from here (a bastion, a firewall) or {@code --api-through-ssh} is given:
 *       an SSH local forward through the control plane's connection to its own API server (127.0.0.1).</li>
 * </ul>
 * The choice is made once per target and run and said in the log.
 */
public final class ClusterApi {
    static final int PROBE_MILLIS = 3000;
    private final boolean forceTunnel;
    private final Map<String, URI> chosen = new ConcurrentHashMap<>();

    /** @param forceTunnel always go through SSH ({@code --api-through-ssh}) */
    public ClusterApi(boolean forceTunnel) {
        this.forceTunnel = forceTunnel;
    }

    /** True when every call goes through an SSH tunnel ({@code --api-through-ssh}). */
    public boolean throughSsh() {
        return forceTunnel;
    }

    /** Through the control-plane endpoint (or, in local-proxy mode, the first control plane). */
    public KubeApi open(RunContext ctx, String kubeconfigName) {
        Inventory inv = ctx.inventory();
        Host first = inv.controlPlanes().get(0);
        URI dial = inv.cluster().controlPlaneEndpoint().mode() == ControlPlaneEndpoint.Mode.LOCAL_PROXY
                ? direct(inv, first) : URI.create(inv.controlPlaneUrl());
        return KubeApi.connect(read(inv, kubeconfigName), kubeconfigName, address(ctx, "endpoint", dial, first));
    }

    /** Straight to one control plane's API server, checked against the kubeconfig's server name. */
    public KubeApi openOn(RunContext ctx, Host controlPlane, String kubeconfigName) {
        Inventory inv = ctx.inventory();
        return KubeApi.connect(read(inv, kubeconfigName), kubeconfigName,
                address(ctx, controlPlane.name(), direct(inv, controlPlane), controlPlane));
    }

    public static Path kubeconfig(Inventory inventory, String name) {
        return PkiLayout.of(inventory).root().resolve(name);
    }

    /** A control plane's own API server address. */
    static URI direct(Inventory inventory, Host controlPlane) {
        String address = controlPlane.internalAddress();
        return URI.create("https://" + (address.contains(":") ? "[" + address + "]" : address) + ":"
                + inventory.cluster().controlPlaneEndpoint().port());
    }

    private URI address(RunContext ctx, String target, URI dial, Host tunnelHost) {
        return chosen.computeIfAbsent(target, t -> {
            if (!forceTunnel && answers(dial)) {
                ctx.console().detail("    API (" + t + "): " + dial);
                return dial;
            }
            if (tunnelHost.ssh() == null) { // the inventory was read without SSH settings (a command that needs no host)
                throw new io.kubeferry.errors.HostFailureException(t, "the API server at " + dial + " does not answer from"
                        + " here; run the command again with --api-through-ssh to reach it through an SSH tunnel to "
                        + tunnelHost.name());
            }
            int port = ctx.connection(tunnelHost).forwardLocalPort("127.0.0.1", ctx.inventory().cluster().controlPlaneEndpoint().port());
            URI local = URI.create("https://127.0.0.1:" + port);
            ctx.console().info("    API (" + t + "): " + (forceTunnel ? "" : dial + " does not answer from here; ")
                    + "through an SSH tunnel to " + tunnelHost.name() + " (" + local + ")");
            return local;
        });
    }

    /**
     * True when this machine reaches the address: a connection, or a refusal (the host answered; its API server is
     * just not listening yet). A time-out or an unreachable network means a firewall or routing is in the way.
     */
    static boolean answers(URI url) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(url.getHost().replace("[", "").replace("]", ""), url.getPort()), PROBE_MILLIS);
            return true;
        } catch (java.net.ConnectException e) {
            return String.valueOf(e.getMessage()).contains("refused");
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] read(Inventory inventory, String name) {
        Path file = kubeconfig(inventory, name);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "reading", e);
        }
    }
}
