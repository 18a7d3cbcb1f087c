package io.kubeferry.install;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Locale;

/**
 * One etcd member's {@code /health} over TLS, asked as the API server will ask it: the endpoint's certificate checked
 * against the given CA only and against the endpoint's own name (IP or DNS, as Go does), the client certificate
 * presented. The TCP connection goes to {@code dial} (an SSH forward's local end), the TLS names the endpoint.
 * Answers why the member is not usable, in words with what to do, or null when it is healthy.
 */
final class EtcdHealthProbe {
    /** A healthy member answers in milliseconds; a dropped packet must not hang the install. */
    static final int TIMEOUT_MILLIS = 10_000;
    /** etcd's answer to /health is a line of JSON; anything much larger is not etcd. */
    private static final int MAX_ANSWER = 64 * 1024;

    private EtcdHealthProbe() {
    }

    /**
     * @param via where the connection comes from, for the messages (e.g. "from kf-h1")
     */
    static String problem(SSLContext tls, URI endpoint, InetSocketAddress dial, String via) {
        String host = endpoint.getHost().startsWith("[") ? endpoint.getHost().substring(1, endpoint.getHost().length() - 1)
                : endpoint.getHost();
        boolean handshakeDone = false;
        try (Socket plain = new Socket()) {
            plain.connect(dial, TIMEOUT_MILLIS);
            plain.setSoTimeout(TIMEOUT_MILLIS);
            try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, endpoint.getPort(), false)) {
                SSLParameters params = s.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the endpoint's host
                if (!isIpLiteral(host)) {
                    params.setServerNames(List.of(new SNIHostName(host)));
                }
                s.setSSLParameters(params);
                s.startHandshake();
                handshakeDone = true;
                // HTTP/1.0: one plain answer, no chunking, the server closes when done
                s.getOutputStream().write(("GET /health HTTP/1.0\r\nHost: " + endpoint.getRawAuthority() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                return answerProblem(readAnswer(s.getInputStream(), MAX_ANSWER));
            }
        } catch (SocketTimeoutException e) {
            return "no answer within " + TIMEOUT_MILLIS / 1000 + " s " + via + ": a firewall drops the traffic, or the"
                    + " member hangs; check that etcd runs there and that " + via.replaceFirst("^from ", "") + " may reach it";
        } catch (IOException e) {
            return failure(e, handshakeDone, host, via);
        }
    }

    /** What an I/O failure during the handshake or the request means here, with what to do. */
    static String failure(IOException e, boolean handshakeDone, String host, String via) {
        String all = messages(e);
        String lower = all.toLowerCase(Locale.ROOT);
        if (lower.contains("received fatal alert: bad_certificate") || lower.contains("received fatal alert: certificate_required")
                || lower.contains("received fatal alert: unknown_ca") || lower.contains("received fatal alert: certificate_unknown")
                || lower.contains("received fatal alert: access_denied")) {
            return "etcd refused the client certificate (" + firstMessage(e) + "): certFile is not signed by the CA that"
                    + " etcd trusts (its --trusted-ca-file); give a client certificate that CA issued";
        }
        if (has(e, CertPathValidatorException.class) || lower.contains("pkix path")) {
            return "the server's certificate is not signed by caFile (" + firstMessage(e) + "); give the CA that signed"
                    + " your etcd members' certificates";
        }
        if (has(e, CertificateException.class) && (lower.contains("no subject alternative") || lower.contains("no name matching"))) {
            return "the server's certificate does not name " + host + " (" + firstMessage(e) + "); use the name or"
                    + " address its certificate was issued for in the endpoint";
        }
        if (!handshakeDone && (lower.contains("remote host terminated the handshake") || has(e, java.io.EOFException.class)
                || lower.contains("connection reset") || lower.contains("broken pipe"))) {
            return "the connection " + via + " closed before any TLS answer: nothing listens at that address and port,"
                    + " it is no TLS port, or the host's sshd forbids forwarding (AllowTcpForwarding); check the endpoint's"
                    + " address and port and that etcd runs there";
        }
        if (e instanceof SSLException) {
            return "TLS failed " + via + ": " + firstMessage(e) + "; check caFile, certFile and keyFile against your etcd's"
                    + " --trusted-ca-file and server certificate";
        }
        return "cannot reach it " + via + ": " + firstMessage(e);
    }

    /** Why etcd's HTTP answer is not a healthy member, or null when it is. */
    static String answerProblem(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        String head = end < 0 ? answer : answer.substring(0, end);
        String body = end < 0 ? "" : answer.substring(end + 4).strip();
        String statusLine = head.lines().findFirst().orElse("");
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            return "not an HTTP answer (" + abbreviate(statusLine) + "): is this etcd's client port?";
        }
        if (!parts[1].equals("200")) {
            return "HTTP " + parts[1] + ": " + abbreviate(body);
        }
        if (!body.replace(" ", "").contains("\"health\":\"true\"")) {
            return "not healthy: " + abbreviate(body);
        }
        return null;
    }

    /** An HTTP/1.0 answer read to its end (etcd closes), at most about {@code max} bytes. Also for {@link EtcdMembers}. */
    static String readAnswer(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while (out.size() < max && (n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String firstMessage(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
