package io.kubeferry.testbed.standin;

/** A static pod whose image the kubelet stand-in has no way to run: reported (state NotRun, logged once), never started. */
final class NotRunPodWorker extends PodWorker {

    NotRunPodWorker(StaticPod pod, StaticPod.Container container, PodStatusFiles status) {
        super(pod, container, status);
    }

    @Override
    void start() {
        StandInLog.warn("pod " + pod.fullName() + ": the kubelet stand-in does not run image " + container.image() + " (not started)");
    }

    @Override
    PodStatusFiles.State runningState() {
        return PodStatusFiles.State.NotRun;
    }

    @Override
    boolean alive() {
        return true;
    }

    @Override
    void stop() {
    }
}
