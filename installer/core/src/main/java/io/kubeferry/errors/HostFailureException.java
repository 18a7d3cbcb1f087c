package io.kubeferry.errors;

/**
 * Work failed on a host (a command exited non-zero, a connection broke, a timeout). The message starts with
 * the host name; {@link #reason()} is the same without it, for lines that show the host already.
 */
public class HostFailureException extends KubeferryException {
    private final String host;
    private final String reason;

    public HostFailureException(String host, String message) {
        super(host + ": " + withoutHost(host, message));
        this.host = host;
        this.reason = withoutHost(host, message);
    }

    public HostFailureException(String host, String message, Throwable cause) {
        super(host + ": " + withoutHost(host, message), cause);
        this.host = host;
        this.reason = withoutHost(host, message);
    }

    public String host() {
        return host;
    }

    /** What went wrong, without the leading host name. */
    public String reason() {
        return reason;
    }

    /** A message passed on from another failure of the same host carries the name already: once is enough. */
    private static String withoutHost(String host, String message) {
        String prefix = host + ": ";
        return message != null && message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.HOST_FAILURE;
    }
}
