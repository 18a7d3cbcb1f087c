package io.kubeferry.builder.fetch;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * Says what failed in a request, from the exception the HTTP client threw: java.net.http often throws a
 * ConnectException without a message ("null" was all a user saw) with the real reason in its causes.
 */
public final class NetworkErrors {
    private NetworkErrors() {
    }

    /** host:port of a URI, with the scheme's default port when none is written. */
    public static String authority(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getHost() + ":" + port;
    }

    /**
     * @param where         host:port (or the registry) the request went to
     * @param headerTimeout the request timeout, for the message when no response header came
     */
    public static String describe(Throwable e, String where, Duration headerTimeout) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host " + where.replaceFirst(":\\d+$", "") + " (DNS lookup failed: check the name, the "
                        + "mirror, /etc/resolv.conf or HTTPS_PROXY)";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "connecting to " + where + " timed out (no answer to the TCP or TLS handshake: a firewall "
                        + "dropping packets, the host down, or a plain-HTTP server behind an https:// URL)";
            }
            if (t instanceof SSLException) {
                return "TLS handshake with " + where + " failed: " + t.getMessage() + " (a plain-HTTP server, or a proxy "
                        + "whose CA this JVM does not trust?)";
            }
            if (t instanceof ConnectException) {
                String m = deepestMessage(t);
                return m == null || m.toLowerCase(java.util.Locale.ROOT).contains("refused")
                        ? "connection refused by " + where + " (nothing listens there: the server is down or the port is wrong)"
                        : "cannot connect to " + where + ": " + m;
            }
            if (t instanceof HttpTimeoutException) {
                return "no response from " + where + " within " + headerTimeout.toSeconds() + " s (connected; waiting for "
                        + "the response headers)";
            }
        }
        String m = deepestMessage(e);
        return m != null ? m : e.getClass().getSimpleName() + " talking to " + where;
    }

    private static String deepestMessage(Throwable e) {
        String found = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                found = found == null ? t.getMessage() : found;
            }
        }
        return found;
    }
}
