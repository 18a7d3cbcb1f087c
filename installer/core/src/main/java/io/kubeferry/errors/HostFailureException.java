package io.kubeferry.errors;

/** Work failed on a host (a command exited non-zero, a connection broke, a timeout). */
public class HostFailureException extends KubeferryException {
    private final String host;

    public HostFailureException(String host, String message) {
        super(host + ": " + message);
        this.host = host;
    }

    public HostFailureException(String host, String message, Throwable cause) {
        super(host + ": " + message, cause);
        this.host = host;
    }

    public String host() {
        return host;
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.HOST_FAILURE;
    }
}
