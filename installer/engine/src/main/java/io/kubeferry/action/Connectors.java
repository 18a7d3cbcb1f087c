package io.kubeferry.action;

import io.kubeferry.console.Console;
import io.kubeferry.console.TransferProgress;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.HostConnector;
import io.kubeferry.ssh.SshConnector;
import io.kubeferry.ssh.SshOptions;

import java.util.function.Function;

/** Builds the production connector: one SSH connection per host, uploads reported on the console. */
public final class Connectors {
    private Connectors() {
    }

    public static Function<Console, HostConnector> ssh() {
        return console -> {
            // hosts behind the same bastion share one connection to it
            SshConnector ssh = new SshConnector(SshOptions.defaults().withListener(new TransferProgress(console)));
            return new HostConnector() {
                @Override
                public RemoteHost connect(Host host) {
                    return ssh.connect(host);
                }

                @Override
                public void close() {
                    ssh.close();
                }
            };
        };
    }
}
