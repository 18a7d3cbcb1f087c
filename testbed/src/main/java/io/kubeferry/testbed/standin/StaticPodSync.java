package io.kubeferry.testbed.standin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The kubelet stand-in's static pod loop, one tick about every second: reads the staticPodPath, stops the pods whose
 * manifest went away or changed, starts new ones once every image they name is in containerd (else "Failed to pull
 * image ... not found" and another try on a later tick, as the kubelet's ErrImagePull), and lets every pod's worker
 * restart what exited.
 */
final class StaticPodSync {
    private final Path manifestDir;
    private final Containerd containerd;
    private final PodStatusFiles status;
    private final Map<String, PodWorker> workers = new LinkedHashMap<>();
    /** pod name → the pod waiting for its images, and the last message logged about it. */
    private final Map<String, StaticPod> waiting = new HashMap<>();
    private final Map<String, String> lastMessages = new HashMap<>();
    private boolean orphansChecked;
    private boolean closed;

    StaticPodSync(Path manifestDir, Containerd containerd, PodStatusFiles status) {
        this.manifestDir = manifestDir;
        this.containerd = containerd;
        this.status = status;
    }

    synchronized void tick() {
        if (closed) {
            return;
        }
        Manifests.Scan scan = Manifests.scan(manifestDir);
        scan.errors().forEach((file, error) -> once("manifest:" + file, error, () ->
                StandInLog.error("Could not process manifest file " + file + ": " + error)));
        if (!orphansChecked) {
            removeOrphans(scan.pods().keySet());
            orphansChecked = true;
        }
        for (var it = workers.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            StaticPod wanted = scan.pods().get(e.getKey());
            if (wanted == null || !wanted.sha256().equals(e.getValue().pod.sha256())) {
                e.getValue().stopForGood(wanted == null ? "manifest " + e.getValue().pod.file() + " removed"
                        : "manifest " + wanted.file() + " changed: restarting the pod");
                it.remove();
            }
        }
        for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!scan.pods().containsKey(e.getKey())) {
                status.write(e.getValue(), PodStatusFiles.State.Removed, "manifest removed before its images were there", 0);
                lastMessages.remove("pod:" + e.getKey());
                it.remove();
            }
        }
        Set<String> images = null;
        for (StaticPod pod : scan.pods().values()) {
            if (workers.containsKey(pod.name())) {
                continue;
            }
            if (images == null) {
                try {
                    images = containerd.images();
                } catch (RuntimeException e) {
                    once("containerd", e.getMessage(), () -> StandInLog.error(e.getMessage()));
                    break;
                }
                lastMessages.remove("containerd");
            }
            Set<String> present = images;
            List<String> missing = pod.containers().stream().map(StaticPod.Container::image)
                    .filter(i -> !present.contains(Containerd.normalize(i))).toList();
            if (!missing.isEmpty()) {
                String msg = "Failed to pull image \"" + missing.get(0) + "\": " + Containerd.normalize(missing.get(0))
                        + ": not found (the kubelet stand-in pulls nothing: the install imports the images)";
                waiting.put(pod.name(), pod);
                once("pod:" + pod.name(), msg, () -> {
                    StandInLog.error("pod " + pod.fullName() + ": " + msg);
                    status.write(pod, PodStatusFiles.State.ErrImagePull, msg, 0);
                });
                continue;
            }
            waiting.remove(pod.name());
            lastMessages.remove("pod:" + pod.name());
            if (pod.containers().size() > 1) {
                StandInLog.warn("pod " + pod.fullName() + ": only its first container " + pod.containers().get(0).name() + " is run");
            }
            workers.put(pod.name(), workerFor(pod, pod.containers().get(0)));
        }
        Instant now = Instant.now();
        workers.values().forEach(w -> w.sync(now));
    }

    /** SIGTERM: every pod's worker detaches (containers stay, in-process servers and children stop). */
    synchronized void close() {
        closed = true;
        workers.values().forEach(PodWorker::detachOnExit);
        workers.clear();
    }

    private PodWorker workerFor(StaticPod pod, StaticPod.Container c) {
        return switch (c.repositoryName()) {
            case "etcd" -> new ContainerdPodWorker(pod, c, status, containerd);
            case "kube-apiserver" -> new ApiServerPodWorker(pod, c, status);
            case "kube-controller-manager", "kube-scheduler" -> new ControlPlaneStandInWorker(pod, c, status);
            case "haproxy" -> new HaproxyPodWorker(pod, c, status);
            default -> new NotRunPodWorker(pod, c, status);
        };
    }

    /**
     * Containers an earlier kubelet stand-in left running for a manifest that is gone now: removed, as the kubelet
     * kills the pods of static manifests that disappeared while it was down.
     */
    private void removeOrphans(Set<String> wanted) {
        if (!Files.isDirectory(status.dir())) {
            return;
        }
        try (Stream<Path> s = Files.list(status.dir())) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".manifest-sha256")).toList()) {
                String pod = f.getFileName().toString().replace(".manifest-sha256", "");
                if (!wanted.contains(pod)) {
                    StandInLog.info("pod " + pod + ": manifest gone while the kubelet stand-in was down; removing its container");
                    containerd.remove("kubeferry-standin-" + pod, ContainerdPodWorker.STOP_GRACE);
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            StandInLog.error("cannot check for orphaned static pod containers: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code action} when {@code message} differs from the last one under {@code key}. */
    private void once(String key, String message, Runnable action) {
        if (!message.equals(lastMessages.put(key, message))) {
            action.run();
        }
    }
}
