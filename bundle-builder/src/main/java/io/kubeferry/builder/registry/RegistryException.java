package io.kubeferry.builder.registry;

import io.kubeferry.errors.HostFailureException;

/** A registry refused or failed a request; {@link #notFound()} tells a missing image or platform from an outage. */
public class RegistryException extends HostFailureException {
    private final boolean notFound;

    public RegistryException(String host, String message, boolean notFound) {
        super(host, message);
        this.notFound = notFound;
    }

    public RegistryException(String host, String message, Throwable cause) {
        super(host, message, cause);
        this.notFound = false;
    }

    public boolean notFound() {
        return notFound;
    }
}
