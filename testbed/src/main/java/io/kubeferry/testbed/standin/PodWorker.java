package io.kubeferry.testbed.standin;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Runs one static pod for the kubelet stand-in (restartPolicy Always): starts it, notices when it stopped, starts it
 * again after a back-off that doubles up to {@link #MAX_BACKOFF} (the kubelet's CrashLoopBackOff, shorter: 2 s to
 * 40 s instead of 10 s to 300 s, so tests do not wait minutes), and records every state change in the pod's status
 * file and the log.
 */
abstract class PodWorker {
    static final Duration INITIAL_BACKOFF = Duration.ofSeconds(2);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(40);
    /** Up this long without exiting: the back-off starts again from the beginning. */
    static final Duration STABLE = Duration.ofSeconds(60);

    final StaticPod pod;
    final StaticPod.Container container;
    final PodStatusFiles status;
    private boolean started;
    private Instant startedAt = Instant.MIN;
    private Instant nextAttempt = Instant.MIN;
    private Duration backoff = INITIAL_BACKOFF;
    private int restarts;
    private PodStatusFiles.State state;
    private String lastError;

    PodWorker(StaticPod pod, StaticPod.Container container, PodStatusFiles status) {
        this.pod = pod;
        this.container = container;
        this.status = status;
    }

    /** Starts the pod (re-attaching to one that already runs where that is possible); throws with the reason it cannot. */
    abstract void start() throws Exception;

    /** Whether what {@link #start()} started still runs; a reason it stopped goes into the exception. */
    abstract boolean alive() throws Exception;

    /** Stops it for good: its manifest was removed or changed. */
    abstract void stop() throws Exception;

    /** The state reported once {@link #start()} succeeded. */
    PodStatusFiles.State runningState() {
        return PodStatusFiles.State.Running;
    }

    /** The kubelet stand-in exits (SIGTERM): by default the same as {@link #stop()}; containers stay (see subclasses). */
    void detach() throws Exception {
        stop();
    }

    /** One tick of the stand-in's sync loop. */
    final void sync(Instant now) {
        if (started && stopRequested()) {
            return;
        }
        if (started) {
            String reason = "exited";
            try {
                if (alive()) {
                    if (Duration.between(startedAt, now).compareTo(STABLE) > 0) {
                        backoff = INITIAL_BACKOFF;
                    }
                    return;
                }
            } catch (Exception e) {
                reason = message(e);
            }
            started = false;
            restarts++;
            nextAttempt = now.plus(backoff);
            report(PodStatusFiles.State.CrashLoopBackOff, reason + "; back-off " + backoff.toSeconds() + "s restarting failed container="
                    + container.name() + " pod=" + pod.fullName());
            backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
        }
        if (now.isBefore(nextAttempt)) {
            return;
        }
        try {
            crashIfInjected();
            start();
            started = true;
            startedAt = now;
            report(runningState(), null);
        } catch (Exception e) {
            nextAttempt = now.plus(backoff);
            report(PodStatusFiles.State.Error, message(e) + " (next try in " + backoff.toSeconds() + "s)");
            backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
        }
    }

    /**
     * A {@code crictl stop} of this pod's container (the crictl stand-in's request file, see
     * {@link PodStatusFiles#stopRequest}): stopped, reported exited, and started again on the next tick, as the
     * kubelet restarts a stopped container of a static pod. The request is removed once the container is down, which
     * is when {@code crictl stop} returns.
     */
    private boolean stopRequested() {
        java.nio.file.Path request = status.stopRequest(pod.name());
        if (!java.nio.file.Files.exists(request)) {
            return false;
        }
        try {
            stop();
            started = false;
            restarts++;
            nextAttempt = Instant.MIN;
            report(PodStatusFiles.State.Exited, "stopped by crictl stop");
        } catch (Exception e) {
            report(PodStatusFiles.State.Error, "could not stop for crictl stop: " + message(e));
        }
        try {
            java.nio.file.Files.deleteIfExists(request);
        } catch (java.io.IOException e) {
            StandInLog.error("cannot remove " + request + ": " + e);
        }
        return true;
    }

    /** The file in the kubelet's root directory listing images whose containers crash at start: tests' fault injection. */
    static final String CRASH_IMAGES_FILE = "standin-crash-images";

    /**
     * STAND-IN fault injection (no real kubelet has it): a container whose image is listed in {@value #CRASH_IMAGES_FILE}
     * next to the status directory exits at start, as a broken image's process does; removing the line lets the next
     * back-off attempt start it.
     */
    private void crashIfInjected() throws java.io.IOException {
        java.nio.file.Path list = status.dir().getParent() == null ? null : status.dir().getParent().resolve(CRASH_IMAGES_FILE);
        if (list != null && java.nio.file.Files.isRegularFile(list) && java.nio.file.Files.readAllLines(list).stream()
                .map(String::strip).anyMatch(container.image()::equals)) {
            String why = "exited with code 1 at start (STAND-IN fault injection: " + list + " lists " + container.image() + ")";
            // what the crashed process would have printed, for `crictl logs` (the crictl STAND-IN reads this file)
            java.nio.file.Files.writeString(status.logFile(pod, container), Instant.now() + " stderr F " + why + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            throw new java.io.IOException(why);
        }
    }

    final void stopForGood(String why) {
        try {
            stop();
            report(PodStatusFiles.State.Removed, why);
        } catch (Exception e) {
            report(PodStatusFiles.State.Error, "could not stop: " + message(e));
        }
    }

    final void detachOnExit() {
        try {
            detach();
            report(PodStatusFiles.State.Detached, "the kubelet stand-in stopped");
        } catch (Exception e) {
            report(PodStatusFiles.State.Error, "could not detach: " + message(e));
        }
    }

    /** Writes the status file; logs only changes, so a pod failing every few seconds does not flood the journal. */
    final void report(PodStatusFiles.State newState, String error) {
        boolean changed = newState != state || !Objects.equals(error, lastError);
        state = newState;
        lastError = error;
        status.write(pod, newState, error, restarts);
        if (changed) {
            String line = "pod " + pod.fullName() + " container " + container.name() + " (" + container.image() + "): " + newState
                    + (error == null ? "" : ": " + error);
            if (newState == PodStatusFiles.State.Error || newState == PodStatusFiles.State.CrashLoopBackOff) {
                StandInLog.error(line);
            } else {
                StandInLog.info(line);
            }
        }
    }

    /** A class of kubeferry-kube's test-jar, loaded by name ({@link ApiServerPodWorker} says why); {@code what} names it in the error. */
    static Class<?> kubeTestSupport(String className, String what) {
        try {
            return Class.forName(className);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(what + " (" + className + ", kubeferry-kube's test-jar) is not on the kubelet stand-in's class path");
        }
    }

    static String message(Throwable e) {
        Throwable t = e;
        while (t instanceof java.lang.reflect.InvocationTargetException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }
}
