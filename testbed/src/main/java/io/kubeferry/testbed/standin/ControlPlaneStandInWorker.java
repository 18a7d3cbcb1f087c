package io.kubeferry.testbed.standin;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * kube-controller-manager and kube-scheduler: stand-ins that check that the kubeconfig their --kubeconfig flag names
 * exists (through the pod's hostPath volumes) and is a kubeconfig, then report "running (stand-in)". The scheduler
 * does nothing else. The controller-manager runs, in this process, the kubelet client certificates' csrapproving and
 * csrsigning controllers ({@code io.kubeferry.kube.testsupport.StandInControllerManager}, loaded by name for the
 * reason {@link ApiServerPodWorker} gives) and no other controller.
 */
final class ControlPlaneStandInWorker extends PodWorker {
    static final String CONTROLLER_MANAGER_CLASS = "io.kubeferry.kube.testsupport.StandInControllerManager";
    private AutoCloseable controllers;

    ControlPlaneStandInWorker(StaticPod pod, StaticPod.Container container, PodStatusFiles status) {
        super(pod, container, status);
    }

    @Override
    void start() throws Exception {
        String flag = container.flags().get("kubeconfig");
        if (flag == null) {
            throw new IOException(container.repositoryName() + " has no --kubeconfig flag");
        }
        Path file = pod.hostPath(container, flag).orElse(Path.of(flag));
        if (!Files.isRegularFile(file)) {
            throw new IOException("--kubeconfig " + flag + ": " + file + " does not exist");
        }
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (RuntimeException e) {
            throw new IOException("--kubeconfig " + file + " is not YAML: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> m) || !(m.get("clusters") instanceof List<?> c) || c.isEmpty()
                || !(m.get("users") instanceof List<?> u) || u.isEmpty()) {
            throw new IOException("--kubeconfig " + file + " is not a kubeconfig (no clusters or users)");
        }
        if (container.repositoryName().equals("kube-controller-manager")) {
            java.util.function.Consumer<String> log = StandInLog::info;
            controllers = (AutoCloseable) kubeTestSupport(CONTROLLER_MANAGER_CLASS, "the stand-in controller-manager")
                    .getMethod("fromFlags", Map.class, java.util.function.Consumer.class)
                    .invoke(null, pod.hostFlags(container), log);
        }
        StandInLog.info("pod " + pod.fullName() + ": " + container.repositoryName() + " running (stand-in), kubeconfig " + file + " read");
    }

    @Override
    boolean alive() {
        return true;
    }

    @Override
    void stop() throws Exception {
        if (controllers != null) {
            controllers.close();
            controllers = null;
        }
    }
}
