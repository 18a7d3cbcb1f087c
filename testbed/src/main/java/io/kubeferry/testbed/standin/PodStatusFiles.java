package io.kubeferry.testbed.standin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * Where the stand-in writes about its pods: {@code podLogDir} gets each container's output
 * ({@code <namespace>_<pod>/<container>.log}, the kubelet's /var/log/pods layout), and {@code dir} one small file per static pod, {@code <root-dir>/standin-pods/<pod>.status}, for tests and the installer's
 * diagnosis (the real kubelet has its API status instead): {@code key=value} lines pod, container, image (the
 * container's image reference as the manifest writes it), manifest, state, since, restarts, lastError. Written whole and renamed into place, so a reader never sees half a file. The test
 * bundle's crictl STAND-IN reads these files ({@code crictl ps}) and asks for a container's stop with a
 * {@code <pod>.stop} file next to them ({@link #stopRequest}), which the pod's worker honours as the kubelet does a
 * {@code crictl stop}: the container stops, and is started again (restartPolicy Always).
 */
record PodStatusFiles(Path dir, Path podLogDir) {

    /** Pod states the stand-in reports (kubelet/container words where there is one). */
    enum State { Waiting, ErrImagePull, Running, Exited, Error, CrashLoopBackOff, NotRun, Removed, Detached }

    void write(StaticPod pod, State state, String lastError, int restarts) {
        StaticPod.Container c = pod.containers().get(0);
        String text = "pod=" + pod.fullName() + "\ncontainer=" + c.name() + "\nimage=" + c.image() + "\nmanifest=" + pod.file()
                + "\nstate=" + state + "\nsince=" + Instant.now()
                + "\nrestarts=" + restarts + "\nlastError=" + (lastError == null ? "" : lastError.replace('\n', ' '))
                + "\nlog=" + logPath(pod, c) + "\n";
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + pod.name() + ".status.tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file(pod.name()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            StandInLog.error("cannot write the status of pod " + pod.fullName() + " in " + dir + ": " + e);
        }
    }

    /** The container's output file, its directory made. */
    Path logFile(StaticPod pod, StaticPod.Container container) throws IOException {
        Path log = logPath(pod, container);
        Files.createDirectories(log.getParent());
        return log;
    }

    private Path logPath(StaticPod pod, StaticPod.Container container) {
        return podLogDir.resolve(pod.namespace() + "_" + pod.name()).resolve(container.name() + ".log");
    }

    Path file(String podName) {
        return dir.resolve(podName + ".status");
    }

    /** Where the crictl stand-in asks for the pod's container to be stopped; removed once it has been. */
    Path stopRequest(String podName) {
        return dir.resolve(podName + ".stop");
    }
}
