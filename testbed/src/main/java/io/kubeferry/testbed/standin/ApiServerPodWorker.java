package io.kubeferry.testbed.standin;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * The kube-apiserver static pod, run as the project's stand-in API server in this process:
 * {@code io.kubeferry.kube.testsupport.StandInApiServer.fromFlags(flags, version)} from the container's command flags
 * (paths translated through the pod's hostPath volumes), reporting the image's tag as its version ({@code /version}).
 * Binds 0.0.0.0 when the pod has no --bind-address, as the real server (the test host is its own network namespace).
 *
 * <p>Loaded by name, not linked: the stand-in API server lives in the kubeferry-kube test-jar, whose tests depend on
 * kubeferry-pki, whose tests depend on this module, so a Maven dependency from here would be a reactor cycle. The
 * class path the kubelet stand-in is started with (see {@link KubeletStandIn#launcherScript}) must hold that test-jar
 * and its dependencies (jackson 3, zjsonpatch, kubeferry-kube, kubernetes-client).
 */
final class ApiServerPodWorker extends PodWorker {
    static final String STAND_IN_CLASS = "io.kubeferry.kube.testsupport.StandInApiServer";
    private AutoCloseable server;

    ApiServerPodWorker(StaticPod pod, StaticPod.Container container, PodStatusFiles status) {
        super(pod, container, status);
    }

    @Override
    void start() throws Exception {
        Map<String, String> flags = pod.hostFlags(container);
        flags.putIfAbsent("bind-address", "0.0.0.0");
        // /version reports the image's tag, as the real server reports the version its image holds: an upgrade's new
        // manifest (kube-apiserver:v1.33.5) brings a server saying 1.33; no tag: the stand-in's default version
        String version = container.imageTag().orElse(null);
        Method fromFlags = kubeTestSupport(STAND_IN_CLASS, "the stand-in API server").getMethod("fromFlags", Map.class, String.class);
        server = (AutoCloseable) fromFlags.invoke(null, flags, version);
        StandInLog.info("pod " + pod.fullName() + ": stand-in API server " + (version == null ? "(default version)" : version)
                + " listening on " + flags.get("bind-address") + ":" + flags.getOrDefault("secure-port", "6443")
                + " (in the kubelet stand-in's process)");
    }

    @Override
    boolean alive() {
        return server != null;
    }

    @Override
    void stop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
