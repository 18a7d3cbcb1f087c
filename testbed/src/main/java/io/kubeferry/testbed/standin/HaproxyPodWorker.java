package io.kubeferry.testbed.standin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kube-apiserver-proxy static pod (haproxy, local-proxy mode): the machine's real {@code /usr/sbin/haproxy -db -f
 * CONFIG} as a child process, CONFIG being the pod's config file ({@code -f} of its command, else the haproxy image's
 * default {@code /usr/local/etc/haproxy/haproxy.cfg}) found through its hostPath volume.
 */
final class HaproxyPodWorker extends PodWorker {
    static final String HAPROXY = "/usr/sbin/haproxy";
    static final String IMAGE_DEFAULT_CONFIG = "/usr/local/etc/haproxy/haproxy.cfg";
    private Process process;

    HaproxyPodWorker(StaticPod pod, StaticPod.Container container, PodStatusFiles status) {
        super(pod, container, status);
    }

    @Override
    void start() throws IOException {
        List<String> line = container.commandLine();
        int f = line.indexOf("-f");
        String inContainer = f >= 0 && f + 1 < line.size() ? line.get(f + 1) : IMAGE_DEFAULT_CONFIG;
        Path config = pod.hostPath(container, inContainer)
                .orElseThrow(() -> new IOException("no hostPath volume of the pod holds the haproxy config " + inContainer));
        if (!Files.isRegularFile(config)) {
            throw new IOException("haproxy config " + config + " (" + inContainer + " in the container) does not exist");
        }
        Path log = status.logFile(pod, container);
        process = new ProcessBuilder(HAPROXY, "-db", "-f", config.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        StandInLog.info("pod " + pod.fullName() + ": started " + HAPROXY + " -db -f " + config + " (pid " + process.pid() + "), output in " + log);
    }

    @Override
    boolean alive() {
        if (process.isAlive()) {
            return true;
        }
        throw new IllegalStateException("haproxy exited with code " + process.exitValue());
    }

    @Override
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        process = null;
    }
}
