package io.kubeferry.builder.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Proxy;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChecksumAndProxyTest {
    static final String A = "a".repeat(64);
    static final String B = "b".repeat(64);

    @Test
    void readsUpstreamChecksumFormats() {
        assertEquals(Optional.of(A), ChecksumFile.digestFor(A + "\n", "kubelet"));
        assertEquals(Optional.of(B), ChecksumFile.digestFor(A + "  runc.arm64\n" + B + "  runc.amd64\n", "runc.amd64"));
        assertEquals(Optional.of(B), ChecksumFile.digestFor(A + " *x.tgz\n" + B + " *./dir/y.tgz\n", "y.tgz"));
        assertEquals(Optional.empty(), ChecksumFile.digestFor(A + "  a\n" + B + "  b\n", "c"));
        // one line naming another file is not this file's digest
        assertEquals(Optional.empty(), ChecksumFile.digestFor(A + "  runc.arm64\n", "runc.amd64"));
        assertEquals(Optional.of(A), ChecksumFile.digestFor(A + "  runc.amd64\n", "runc.amd64"));
    }

    @Test
    void proxiesFromEnvironmentWithNoProxyAndLoopbackDirect() {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "no_proxy", ".internal,nexus.corp");
        EnvProxySelector s = new EnvProxySelector(env::get);
        Proxy p = s.select(URI.create("https://dl.k8s.io/x")).get(0);
        assertEquals(Proxy.Type.HTTP, p.type());
        assertTrue(p.address().toString().contains("proxy.corp"), p.address().toString());
        assertEquals(Proxy.NO_PROXY, s.select(URI.create("https://nexus.corp/x")).get(0));
        assertEquals(Proxy.NO_PROXY, s.select(URI.create("https://a.b.internal/x")).get(0));
        assertEquals(Proxy.NO_PROXY, s.select(URI.create("http://127.0.0.1:5000/v2/")).get(0));
        assertEquals(Proxy.NO_PROXY, s.select(URI.create("http://dl.k8s.io/x")).get(0), "no HTTP_PROXY set");
    }
}
