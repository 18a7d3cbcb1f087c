package io.kubeferry.cli;

import io.kubeferry.phase.HostConnector;

/** Builds the production connector (SSH). */
final class Connectors {
    private Connectors() {
    }

    static HostConnector ssh() {
        // wired to io.kubeferry.ssh once its connection class lands
        return host -> {
            throw new io.kubeferry.errors.HostFailureException(host.name(), "SSH engine not wired yet");
        };
    }
}
