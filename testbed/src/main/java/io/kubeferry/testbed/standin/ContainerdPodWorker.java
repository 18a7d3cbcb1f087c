package io.kubeferry.testbed.standin;

import io.kubeferry.testbed.ExecResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A static pod run for real as a containerd task (the etcd pod): {@code ctr run -d --net-host} with the pod's
 * hostPath volumes bind-mounted at their mountPaths and the container's command and args; its output goes to
 * {@code /var/log/pods/<namespace>_<pod>/<container>.log}. The container id is {@code kubeferry-standin-<pod>}; the
 * manifest's sha256 is kept next to the pod's status file so that a kubelet stand-in started again re-attaches to
 * the task it left running (real static pods survive a kubelet restart) instead of starting a second one.
 */
final class ContainerdPodWorker extends PodWorker {
    static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private final Containerd containerd;
    private final Path hashFile;
    final String id;

    ContainerdPodWorker(StaticPod pod, StaticPod.Container container, PodStatusFiles status, Containerd containerd) {
        super(pod, container, status);
        this.containerd = containerd;
        this.id = "kubeferry-standin-" + pod.name();
        this.hashFile = status.dir().resolve(pod.name() + ".manifest-sha256");
    }

    @Override
    void start() throws Exception {
        Optional<String> task = containerd.taskStatus(id);
        if (task.filter("RUNNING"::equals).isPresent() && pod.sha256().equals(savedHash())) {
            StandInLog.info("pod " + pod.fullName() + ": re-attached to the running containerd task " + id + " (same manifest)");
            return;
        }
        containerd.remove(id, STOP_GRACE);
        Path logFile = status.logFile(pod, container);
        List<String> args = new ArrayList<>(List.of("run", "-d", "--net-host", "--log-uri", "file://" + logFile));
        for (StaticPod.Mount m : container.mounts()) {
            StaticPod.HostPathVolume v = pod.volumes().get(m.volume());
            if (v == null) {
                continue;
            }
            prepare(Path.of(v.path()), v.type());
            args.add("--mount");
            args.add("type=bind,src=" + v.path() + ",dst=" + m.mountPath() + ",options=rbind:" + (m.readOnly() ? "ro" : "rw"));
        }
        args.add(Containerd.normalize(container.image()));
        args.add(id);
        args.addAll(container.commandLine());
        ExecResult r = containerd.ctr(args);
        if (!r.ok()) {
            throw new IllegalStateException("ctr run " + id + " failed (exit " + r.exitCode() + "): " + (r.stderr() + r.stdout()).strip());
        }
        Files.createDirectories(hashFile.getParent());
        Files.writeString(hashFile, pod.sha256());
        StandInLog.info("pod " + pod.fullName() + ": started containerd task " + id + ", output in " + logFile);
    }

    /** hostPath types as the kubelet treats them: DirectoryOrCreate/FileOrCreate are made, Directory/File must exist. */
    private static void prepare(Path p, String type) throws IOException {
        switch (type) {
            case "DirectoryOrCreate" -> Files.createDirectories(p);
            case "FileOrCreate" -> {
                Files.createDirectories(p.getParent());
                if (!Files.exists(p)) {
                    Files.createFile(p);
                }
            }
            case "Directory" -> {
                if (!Files.isDirectory(p)) {
                    throw new IOException("hostPath type check failed: " + p + " is not a directory");
                }
            }
            case "File" -> {
                if (!Files.isRegularFile(p)) {
                    throw new IOException("hostPath type check failed: " + p + " is not a file");
                }
            }
            default -> {
            }
        }
    }

    @Override
    boolean alive() {
        Optional<String> s = containerd.taskStatus(id);
        if (s.filter("RUNNING"::equals).isPresent()) {
            return true;
        }
        throw new IllegalStateException("containerd task " + id + " is " + s.orElse("gone"));
    }

    @Override
    void stop() throws Exception {
        containerd.remove(id, STOP_GRACE);
        Files.deleteIfExists(hashFile);
        StandInLog.info("pod " + pod.fullName() + ": containerd task and container " + id + " removed");
    }

    /** Leaves the task running: the next kubelet stand-in re-attaches to it. */
    @Override
    void detach() {
        StandInLog.info("pod " + pod.fullName() + ": containerd task " + id + " left running");
    }

    private String savedHash() {
        try {
            return Files.isRegularFile(hashFile) ? Files.readString(hashFile).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
