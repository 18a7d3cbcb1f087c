package io.kubeferry.install;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.EOFException;

import static org.junit.jupiter.api.Assertions.*;

/** How the external-etcd probe reads etcd's answer and the TLS failures (the real etcd is in ExternalEtcdCheckTestbedTest). */
class EtcdHealthProbeTest {
    @Test
    void healthyOnlyWith200AndHealthTrue() {
        assertNull(EtcdHealthProbe.answerProblem("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
                + "{\"health\":\"true\",\"reason\":\"\"}"));
        assertEquals("HTTP 503: {\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}", EtcdHealthProbe.answerProblem(
                "HTTP/1.0 503 Service Unavailable\r\n\r\n{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n"));
        assertEquals("not healthy: {\"health\":\"false\"}",
                EtcdHealthProbe.answerProblem("HTTP/1.0 200 OK\r\n\r\n{\"health\":\"false\"}"));
        assertTrue(EtcdHealthProbe.answerProblem("SSH-2.0-OpenSSH_9.2\r\n").startsWith("not an HTTP answer"));
    }

    @Test
    void aConnectionClosedBeforeTheHandshakeEndsIsNamedAsNothingListening() {
        // what the JDK throws when an SSH forward's far end cannot connect and the forward closes the socket
        SSLHandshakeException closed = new SSLHandshakeException("Remote host terminated the handshake");
        closed.initCause(new EOFException("SSL peer shut down incorrectly"));
        String problem = EtcdHealthProbe.failure(closed, false, "10.0.0.31", "from cp1");
        assertTrue(problem.startsWith("the connection from cp1 closed before any TLS answer"), problem);
        // after the handshake, an alert is etcd refusing the client certificate (TLS 1.3)
        String refused = EtcdHealthProbe.failure(new SSLHandshakeException("Received fatal alert: bad_certificate"), true,
                "10.0.0.31", "from cp1");
        assertTrue(refused.startsWith("etcd refused the client certificate"), refused);
    }
}
