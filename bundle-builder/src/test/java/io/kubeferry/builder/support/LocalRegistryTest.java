package io.kubeferry.builder.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture itself: a port taken between probing and binding is retried, and readiness is the registry's own answer. */
class LocalRegistryTest {
    @TempDir
    Path dir;

    @Test
    void portTakenBeforeTheRegistryBindsIsRetriedOnAnotherPort() throws Exception {
        // something else holds the first port offered: it accepts connections but never answers HTTP
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger asked = new AtomicInteger();
            LocalRegistry reg = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> LocalRegistry.start(dir, null, null,
                    null, null, () -> asked.getAndIncrement() == 0 ? squatter.getLocalPort() : LocalRegistry.freePort()));
            try (reg) {
                assertEquals(2, asked.get(), "a second port after the failed bind");
                assertNotEquals("127.0.0.1:" + squatter.getLocalPort(), reg.host());
                HttpURLConnection c = (HttpURLConnection) URI.create("http://" + reg.host() + "/v2/").toURL().openConnection();
                assertEquals(200, c.getResponseCode());
                assertEquals("registry/2.0", c.getHeaderField("Docker-Distribution-Api-Version"));
                c.disconnect();
            }
        }
    }
}
