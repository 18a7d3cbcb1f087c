package io.kubeferry.testbed.standin;

import io.kubeferry.testbed.ExecResult;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers the stand-in's Node through the API with the real {@code kubectl} (a Go TLS client, as the kubelet's):
 * {@code kubectl --kubeconfig KUBECONFIG apply --server-side --field-manager kubelet -f -} of the whole Node, status
 * included (the stand-in API server stores status with the object). Tried every {@link #RETRY} until it works (the
 * API server comes up after the kubelet), then refreshed every {@link #REFRESH} (the Ready heartbeat).
 */
final class NodeRegistration {
    static final Duration RETRY = Duration.ofSeconds(5);
    static final Duration REFRESH = Duration.ofSeconds(15);

    /** What the Node says: name, labels, taints (key[=value]:Effect), InternalIP (may be null), kubelet version. */
    record NodeSpec(String name, Map<String, String> labels, List<String> taints, String internalIp, String kubeletVersion) {
    }

    private final NodeSpec node;
    private final Path kubeconfig;
    private final Instant since = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private boolean registered;
    private String lastError;

    NodeRegistration(NodeSpec node, Path kubeconfig) {
        this.node = node;
        this.kubeconfig = kubeconfig;
    }

    /** One attempt; returns how long to wait before the next one. */
    Duration attempt() {
        if (!Files.isRegularFile(kubeconfig)) {
            fail("kubeconfig " + kubeconfig + " does not exist yet");
            return RETRY;
        }
        List<String> cmd = List.of(kubectl(), "--kubeconfig", kubeconfig.toString(), "--request-timeout=10s", "apply",
                "--server-side", "--force-conflicts", "--field-manager", "kubelet", "-f", "-");
        ExecResult r = Commands.run(cmd, nodeJson().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        if (!r.ok()) {
            fail("Unable to register node with API server: " + (r.stderr() + r.stdout()).strip() + " node=\"" + node.name() + "\"");
            return RETRY;
        }
        if (!registered) {
            StandInLog.info("Successfully registered node " + node.name() + " (kubectl " + kubectl() + ", kubeconfig " + kubeconfig + ")");
        }
        registered = true;
        lastError = null;
        return REFRESH;
    }

    boolean registered() {
        return registered;
    }

    private void fail(String message) {
        if (!message.equals(lastError)) {
            StandInLog.error(message);
        }
        lastError = message;
    }

    static String kubectl() {
        return Files.isExecutable(Path.of("/usr/local/bin/kubectl")) ? "/usr/local/bin/kubectl" : "/usr/bin/kubectl";
    }

    String nodeJson() {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        StringBuilder b = new StringBuilder();
        b.append("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":").append(q(node.name())).append(",\"labels\":{");
        b.append(String.join(",", node.labels().entrySet().stream().map(e -> q(e.getKey()) + ":" + q(e.getValue())).toList()));
        b.append("},\"annotations\":{\"kubeferry.io/kubelet\":\"stand-in\"}},\"spec\":{\"taints\":[");
        List<String> taints = new ArrayList<>();
        for (String t : node.taints()) {
            int colon = t.lastIndexOf(':');
            String kv = colon < 0 ? t : t.substring(0, colon);
            String effect = colon < 0 ? "NoSchedule" : t.substring(colon + 1);
            int eq = kv.indexOf('=');
            taints.add("{\"key\":" + q(eq < 0 ? kv : kv.substring(0, eq)) + (eq < 0 ? "" : ",\"value\":" + q(kv.substring(eq + 1)))
                    + ",\"effect\":" + q(effect) + "}");
        }
        b.append(String.join(",", taints)).append("]},\"status\":{\"addresses\":[");
        List<String> addresses = new ArrayList<>();
        if (node.internalIp() != null) {
            addresses.add("{\"type\":\"InternalIP\",\"address\":" + q(node.internalIp()) + "}");
        }
        addresses.add("{\"type\":\"Hostname\",\"address\":" + q(node.name()) + "}");
        b.append(String.join(",", addresses)).append("],\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",")
                .append("\"message\":\"kubelet STAND-IN is posting ready status\",\"lastHeartbeatTime\":").append(q(now))
                .append(",\"lastTransitionTime\":").append(q(since.toString())).append("}],\"nodeInfo\":{\"kubeletVersion\":")
                .append(q(node.kubeletVersion())).append(",\"kubeProxyVersion\":").append(q(node.kubeletVersion()))
                .append(",\"operatingSystem\":\"linux\",\"architecture\":").append(q(KubeletStandIn.architecture()))
                .append(",\"containerRuntimeVersion\":\"containerd://stand-in-kubelet\",\"osImage\":\"Kubeferry test host\"}}}");
        return b.toString();
    }

    /** Labels the kubelet sets itself, then --node-labels (k=v,k2=v2). */
    static Map<String, String> labels(String nodeName, String nodeLabelsFlag) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", nodeName);
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", KubeletStandIn.architecture());
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("beta.kubernetes.io/arch", KubeletStandIn.architecture());
        if (nodeLabelsFlag != null) {
            for (String kv : nodeLabelsFlag.split(",")) {
                if (!kv.isBlank()) {
                    int eq = kv.indexOf('=');
                    labels.put(eq < 0 ? kv.strip() : kv.substring(0, eq).strip(), eq < 0 ? "" : kv.substring(eq + 1).strip());
                }
            }
        }
        return labels;
    }

    /** A JSON string literal. */
    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
