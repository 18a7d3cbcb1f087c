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
 * kube-controller-manager and kube-scheduler: stand-ins that only check that the kubeconfig their --kubeconfig flag
 * names exists (through the pod's hostPath volumes) and is a kubeconfig, then report "running (stand-in)". They do
 * nothing else: no controllers, no scheduling.
 */
final class ControlPlaneStandInWorker extends PodWorker {

    ControlPlaneStandInWorker(StaticPod pod, StaticPod.Container container, PodStatusFiles status) {
        super(pod, container, status);
    }

    @Override
    void start() throws IOException {
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
        StandInLog.info("pod " + pod.fullName() + ": " + container.repositoryName() + " running (stand-in), kubeconfig " + file + " read");
    }

    @Override
    boolean alive() {
        return true;
    }

    @Override
    void stop() {
    }
}
