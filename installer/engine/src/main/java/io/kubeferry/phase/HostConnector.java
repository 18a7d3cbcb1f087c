package io.kubeferry.phase;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;

/** Opens the connection to one host (SSH in production). Closed at the end of the run, after every host. */
@FunctionalInterface
public interface HostConnector extends AutoCloseable {
    RemoteHost connect(Host host);

    @Override
    default void close() {
    }
}
