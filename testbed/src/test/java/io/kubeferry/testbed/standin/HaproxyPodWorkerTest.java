package io.kubeferry.testbed.standin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kube-apiserver-proxy pod's worker with the machine's real haproxy on 127.0.0.1: started from the config its
 * hostPath volume holds, restarted after it died (back-off), stopped for good; every state in the status file.
 */
class HaproxyPodWorkerTest {
    @TempDir
    Path dir;

    @Test
    void runsRestartsAndStopsTheRealHaproxy() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(HaproxyPodWorker.HAPROXY)), "haproxy is installed");
        int port = freePort();
        Path configDir = Files.createDirectories(dir.resolve("apiserver-proxy"));
        Files.writeString(configDir.resolve("haproxy.cfg"), """
                global
                  maxconn 100
                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                frontend api
                  bind 127.0.0.1:%d
                  default_backend none
                backend none
                  server s1 127.0.0.1:1
                """.formatted(port));
        StaticPod.Container c = new StaticPod.Container("haproxy", "docker.io/library/haproxy:3.2-alpine", List.of(), List.of(),
                List.of(new StaticPod.Mount("config", "/usr/local/etc/haproxy", true)));
        StaticPod pod = new StaticPod(dir.resolve("proxy.yaml"), "x", "kube-system", "kube-apiserver-proxy", List.of(c),
                Map.of("config", new StaticPod.HostPathVolume(configDir.toString(), "Directory")));
        PodStatusFiles status = new PodStatusFiles(dir.resolve("status"), dir.resolve("pod-logs"));
        HaproxyPodWorker w = new HaproxyPodWorker(pod, c, status);
        try {
            w.sync(Instant.now());
            assertTrue(status(status).contains("state=Running"), status(status));
            awaitListening(port);

            // it dies: reported, restarted after the back-off, not before
            for (ProcessHandle p : ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("haproxy")).toList()) {
                p.destroyForcibly();
                p.onExit().get(10, TimeUnit.SECONDS);
            }
            Instant died = Instant.now();
            w.sync(died);
            assertTrue(status(status).contains("state=CrashLoopBackOff"), status(status));
            assertTrue(status(status).contains("restarts=1"), status(status));
            w.sync(died.plusMillis(500));
            assertTrue(status(status).contains("state=CrashLoopBackOff"), "still backing off: " + status(status));
            w.sync(died.plus(PodWorker.INITIAL_BACKOFF).plusMillis(100));
            assertTrue(status(status).contains("state=Running"), status(status));
            awaitListening(port);
        } finally {
            w.stopForGood("test over");
        }
        assertTrue(status(status).contains("state=Removed"), status(status));
        assertEquals(0, ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("haproxy")).count());
    }

    private static String status(PodStatusFiles s) throws Exception {
        return Files.readString(s.file("kube-apiserver-proxy"), StandardCharsets.UTF_8);
    }

    private static void awaitListening(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("haproxy does not listen on 127.0.0.1:" + port);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
