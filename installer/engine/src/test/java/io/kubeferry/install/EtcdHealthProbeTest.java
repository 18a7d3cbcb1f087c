package io.kubeferry.install;

import io.kubeferry.host.ExecResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** How the external-etcd check reads curl's answer (the real etcd is in ExternalEtcdCheckTestbedTest). */
class ExternalEtcdCheckPhaseTest {
    @Test
    void healthyOnlyWith200AndHealthTrue() {
        assertNull(ExternalEtcdCheckPhase.problem(new ExecResult(0, "{\"health\":\"true\",\"reason\":\"\"}\n200", "")));
        assertEquals("HTTP 503: {\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}", ExternalEtcdCheckPhase.problem(
                new ExecResult(0, "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n503", "")));
        assertEquals("not healthy: {\"health\":\"false\"}",
                ExternalEtcdCheckPhase.problem(new ExecResult(0, "{\"health\":\"false\"}\n200", "")));
        assertEquals("curl exit 35: curl: (35) OpenSSL/3.0: error:0A000412:SSL routines::sslv3 alert bad certificate"
                        + ExternalEtcdCheckPhase.hint(35),
                ExternalEtcdCheckPhase.problem(new ExecResult(35, "", "curl: (35) OpenSSL/3.0: error:0A000412:SSL routines::sslv3 alert bad certificate\n")));
    }

    @Test
    void theCommandQuotesEveryPathAndAsksForHealth() {
        String cmd = ExternalEtcdCheckPhase.healthCommand("https://[2001:db8::1]:2379", "/a b/ca.crt", "/c.crt", "/c.key");
        assertTrue(cmd.contains("--cacert '/a b/ca.crt'"), cmd);
        assertTrue(cmd.endsWith("'https://[2001:db8::1]:2379/health'"), cmd);
    }
}
