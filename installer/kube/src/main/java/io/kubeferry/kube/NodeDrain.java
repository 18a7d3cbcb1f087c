package io.kubeferry.kube;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubeferry.errors.UnexpectedStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code kubectl drain} through the API: the node cordoned ({@code spec.unschedulable}), its pods evicted through the
 * Eviction API (policy/v1, so PodDisruptionBudgets are respected: a 429 is retried until the timeout), then waited
 * for until they are gone. DaemonSet pods and mirror (static) pods are left alone, as kubectl does. A pod without a
 * controller (nothing would recreate it) is refused unless forced; forced, such pods and pods whose eviction fails
 * otherwise are deleted instead.
 */
public final class NodeDrain {
    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
    private final KubernetesClient client;
    private final Duration poll;

    public NodeDrain(KubernetesClient client) {
        this(client, Duration.ofSeconds(2));
    }

    NodeDrain(KubernetesClient client, Duration poll) {
        this.client = client;
        this.poll = poll;
    }

    /** What a drain did: pods evicted, pods deleted (forced), pods left (DaemonSet, mirror). */
    public record Result(List<String> evicted, List<String> deleted, List<String> skipped) {
        public Result {
            evicted = List.copyOf(evicted);
            deleted = List.copyOf(deleted);
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * @param progress one line per step (cordon, each pod, waits)
     * @throws UnexpectedStateException when pods without a controller are there and {@code force} is false, when a
     *                                  PodDisruptionBudget still blocks an eviction at the timeout, or when pods are
     *                                  not gone by then
     */
    public Result drain(String node, boolean force, Duration timeout, Consumer<String> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        call("cordon node " + node, () -> client.nodes().withName(node)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"unschedulable\":true}}"));
        progress.accept("cordoned " + node);

        List<String> skipped = new ArrayList<>();
        Map<String, Pod> toEvict = new LinkedHashMap<>();
        List<String> unmanaged = new ArrayList<>();
        for (Pod p : podsOn(node)) {
            String id = id(p);
            if (isMirror(p) || isDaemonSetPod(p)) {
                skipped.add(id);
            } else if (!hasController(p) && !isFinished(p)) {
                unmanaged.add(id);
                toEvict.put(id, p);
            } else {
                toEvict.put(id, p);
            }
        }
        if (!unmanaged.isEmpty() && !force) {
            throw new UnexpectedStateException("node " + node + " runs pods that no controller would recreate: "
                    + String.join(", ", unmanaged) + "; delete them first, or give --force to delete them");
        }

        List<String> evicted = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        Map<String, String> blocked = new LinkedHashMap<>();
        for (Map.Entry<String, Pod> e : toEvict.entrySet()) {
            Pod p = e.getValue();
            if (unmanaged.contains(e.getKey())) {
                delete(p);
                deleted.add(e.getKey());
                progress.accept("deleted " + e.getKey() + " (no controller, --force)");
                continue;
            }
            while (true) {
                String outcome = evict(p, force);
                if (outcome.equals("evicted")) {
                    evicted.add(e.getKey());
                    progress.accept("evicted " + e.getKey());
                    break;
                }
                if (outcome.equals("deleted")) {
                    deleted.add(e.getKey());
                    progress.accept("deleted " + e.getKey() + " (its eviction failed, --force)");
                    break;
                }
                if (outcome.equals("gone")) {
                    break;
                }
                // 429: a PodDisruptionBudget does not allow it now
                if (System.nanoTime() > deadline) {
                    blocked.put(e.getKey(), "a PodDisruptionBudget does not allow its eviction");
                    break;
                }
                progress.accept(e.getKey() + ": a PodDisruptionBudget does not allow its eviction yet; retrying");
                sleep();
            }
        }
        if (!blocked.isEmpty()) {
            throw new UnexpectedStateException("node " + node + " not drained within " + timeout.toSeconds() + " s: "
                    + String.join(", ", blocked.keySet()) + ": a PodDisruptionBudget does not allow their eviction;"
                    + " scale the workload up or relax its budget, or give a longer --timeout");
        }

        // evicted pods terminate (grace period) before they are gone
        List<String> left;
        while (true) {
            List<String> waitedFor = new ArrayList<>(evicted);
            waitedFor.addAll(deleted);
            left = podsOn(node).stream().map(NodeDrain::id).filter(waitedFor::contains).toList();
            if (left.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new UnexpectedStateException("node " + node + " not drained within " + timeout.toSeconds()
                        + " s: still there: " + String.join(", ", left) + "; give a longer --timeout");
            }
            progress.accept("waiting for " + left.size() + " pods to be gone");
            sleep();
        }
        return new Result(evicted, deleted, skipped);
    }

    /** "evicted", "deleted" (forced after a failure), "gone" (already), or "blocked" (429). */
    private String evict(Pod p, boolean force) {
        try {
            return client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).evict()
                    ? "evicted" : "blocked";
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return "gone";
            }
            if (force) {
                delete(p);
                return "deleted";
            }
            throw new UnexpectedStateException("evicting pod " + id(p) + ": " + message(e)
                    + "; give --force to delete pods whose eviction fails", e);
        }
    }

    private void delete(Pod p) {
        call("delete pod " + id(p), () -> client.pods().inNamespace(p.getMetadata().getNamespace())
                .withName(p.getMetadata().getName()).delete());
    }

    /** The node's pods; the field selector is sent and checked again (a server may ignore it). */
    private List<Pod> podsOn(String node) {
        return call("list the pods of node " + node, () -> client.pods().inAnyNamespace()
                .withField("spec.nodeName", node).list().getItems().stream()
                .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName())).toList());
    }

    static String id(Pod p) {
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    static boolean isMirror(Pod p) {
        return p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(MIRROR_ANNOTATION);
    }

    static boolean isDaemonSetPod(Pod p) {
        return controller(p).map(o -> "DaemonSet".equals(o.getKind())).orElse(false);
    }

    static boolean hasController(Pod p) {
        return controller(p).isPresent();
    }

    /** Succeeded or failed pods need no controller: deleting them loses nothing (kubectl drain allows them). */
    static boolean isFinished(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static java.util.Optional<OwnerReference> controller(Pod p) {
        List<OwnerReference> owners = p.getMetadata().getOwnerReferences();
        return owners == null ? java.util.Optional.empty()
                : owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
    }

    private void sleep() {
        try {
            Thread.sleep(poll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnexpectedStateException("interrupted while draining", e);
        }
    }

    private static <T> T call(String what, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw new UnexpectedStateException(what + ": " + message(e), e);
        }
    }

    private static String message(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? "HTTP " + e.getCode() + ": " + e.getStatus().getMessage()
                : String.valueOf(e.getMessage());
    }
}
