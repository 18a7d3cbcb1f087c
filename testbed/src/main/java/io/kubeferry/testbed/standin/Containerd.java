package io.kubeferry.testbed.standin;

import io.kubeferry.testbed.ExecResult;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * containerd through the real {@code ctr} on the kubelet's --container-runtime-endpoint socket, namespace k8s.io
 * (the CRI's, where the install imports the bundle's images).
 */
record Containerd(Path ctr, Path socket) {
    static final String NAMESPACE = "k8s.io";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** {@code unix:///run/containerd/containerd.sock} or a plain path → the socket path. */
    static Containerd fromEndpoint(String endpoint) {
        String path = endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : endpoint;
        Path ctr = Path.of("/usr/local/bin/ctr").toFile().canExecute() ? Path.of("/usr/local/bin/ctr") : Path.of("/usr/bin/ctr");
        return new Containerd(ctr, Path.of(path));
    }

    ExecResult ctr(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ctr.toString(), "--address", socket.toString(), "-n", NAMESPACE));
        cmd.addAll(List.of(args));
        return Commands.run(cmd, TIMEOUT);
    }

    ExecResult ctr(List<String> args) {
        return ctr(args.toArray(String[]::new));
    }

    /** Every image reference containerd holds; throws when containerd does not answer. */
    Set<String> images() {
        ExecResult r = ctr("images", "ls", "-q");
        if (!r.ok()) {
            throw new IllegalStateException("containerd at " + socket + " does not answer (ctr images ls): " + r.stderr().strip());
        }
        return new HashSet<>(r.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList());
    }

    /** The task's status (RUNNING, STOPPED, CREATED, PAUSED...), empty when there is no task of that id. */
    Optional<String> taskStatus(String id) {
        ExecResult r = ctr("tasks", "ls");
        if (!r.ok()) {
            throw new IllegalStateException("ctr tasks ls failed: " + r.stderr().strip());
        }
        return r.stdout().lines().skip(1).map(l -> l.trim().split("\\s+")).filter(c -> c.length >= 3 && c[0].equals(id))
                .map(c -> c[2]).findFirst();
    }

    boolean containerExists(String id) {
        ExecResult r = ctr("containers", "ls", "-q");
        return r.ok() && r.stdout().lines().map(String::strip).anyMatch(id::equals);
    }

    /** Stops the task (SIGTERM, SIGKILL after {@code grace}) and deletes it and its container; nothing there is fine. */
    void remove(String id, Duration grace) throws InterruptedException {
        Optional<String> status = taskStatus(id);
        if (status.isPresent() && status.get().equals("RUNNING")) {
            ctr("tasks", "kill", "-s", "SIGTERM", id);
            long deadline = System.nanoTime() + grace.toNanos();
            while (System.nanoTime() < deadline && taskStatus(id).filter("RUNNING"::equals).isPresent()) {
                Thread.sleep(200);
            }
            if (taskStatus(id).filter("RUNNING"::equals).isPresent()) {
                ctr("tasks", "kill", "-s", "SIGKILL", id);
                for (int i = 0; i < 50 && taskStatus(id).filter("RUNNING"::equals).isPresent(); i++) {
                    Thread.sleep(100);
                }
            }
        }
        if (taskStatus(id).isPresent()) {
            ExecResult r = ctr("tasks", "delete", "-f", id);
            if (!r.ok() && taskStatus(id).isPresent()) {
                throw new IllegalStateException("cannot delete task " + id + ": " + r.stderr().strip());
            }
        }
        if (containerExists(id)) {
            ExecResult r = ctr("containers", "delete", id);
            if (!r.ok()) {
                throw new IllegalStateException("cannot delete container " + id + ": " + r.stderr().strip());
            }
        }
    }

    /**
     * The name containerd stores for an image reference, as the CRI normalises it: {@code etcd:3.5} →
     * {@code docker.io/library/etcd:3.5}, no tag → {@code :latest}.
     */
    static String normalize(String image) {
        String ref = image;
        int slash = ref.indexOf('/');
        String first = slash < 0 ? "" : ref.substring(0, slash);
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (!hasRegistry) {
            ref = "docker.io/" + (slash < 0 ? "library/" : "") + ref;
        }
        String last = ref.substring(ref.lastIndexOf('/') + 1);
        if (!last.contains(":") && !ref.contains("@")) {
            ref = ref + ":latest";
        }
        return ref;
    }
}
