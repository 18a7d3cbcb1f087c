package io.kubeferry.cli;

import io.kubeferry.console.Console;
import io.kubeferry.console.TransferProgress;
import io.kubeferry.phase.HostConnector;
import io.kubeferry.ssh.SshHost;
import io.kubeferry.ssh.SshOptions;

import java.util.function.Function;

/** Builds the production connector: one SSH connection per host, uploads reported on the console. */
final class Connectors {
    private Connectors() {
    }

    static Function<Console, HostConnector> ssh() {
        return console -> {
            SshOptions options = SshOptions.defaults().withListener(new TransferProgress(console));
            return host -> SshHost.connect(host, options);
        };
    }
}
