package io.kubeferry.phase;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;

/** Opens the connection to one host (SSH in production). */
@FunctionalInterface
public interface HostConnector {
    RemoteHost connect(Host host);
}
