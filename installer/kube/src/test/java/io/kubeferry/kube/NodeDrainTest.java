package io.kubeferry.kube;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.kubeferry.errors.UnexpectedStateException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link NodeDrain} against fabric8's mock API server in expectations mode: every request the drain makes is answered
 * as a real API server would (evictions 201 or 429 under a PodDisruptionBudget), and the requests are read back.
 */
class NodeDrainTest {
    private static final String NODE = "w1";
    private static final String PODS = "/api/v1/pods?fieldSelector=spec.nodeName%3D" + NODE;
    private KubernetesMockServer server;
    private KubernetesClient client;
    private final List<String> progress = new ArrayList<>();

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init();
        // as KubeApi configures it: no retries inside the client (the drain retries 429s itself, until its timeout)
        io.fabric8.kubernetes.client.Config config;
        try (KubernetesClient plain = server.createClient()) {
            config = plain.getConfiguration();
        }
        config.setRequestRetryBackoffLimit(0);
        client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build();
        // fabric8 reads the Node before it patches it
        server.expect().get().withPath("/api/v1/nodes/" + NODE)
                .andReturn(200, new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build()).always();
        server.expect().patch().withPath("/api/v1/nodes/" + NODE)
                .andReturn(200, new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build()).always();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    private static Pod pod(String name, String ownerKind) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withNewSpec().withNodeName(NODE).endSpec();
        if (ownerKind != null) {
            b.editMetadata().addNewOwnerReference().withKind(ownerKind).withName(name + "-owner").withController(true)
                    .withApiVersion("apps/v1").withUid("u-" + name).endOwnerReference().endMetadata();
        }
        return b.build();
    }

    private static Pod mirror(String name) {
        return new PodBuilder(pod(name, null)).editMetadata().addToAnnotations(NodeDrain.MIRROR_ANNOTATION, "x").endMetadata().build();
    }

    private void listOnce(Pod... pods) {
        server.expect().get().withPath(PODS).andReturn(200, new PodListBuilder().withItems(pods).build()).once();
    }

    private void eviction(String name, int code, int times) {
        server.expect().post().withPath("/api/v1/namespaces/default/pods/" + name + "/eviction")
                .andReturn(code, new StatusBuilder().withCode(code).withMessage(code == 429 ? "Cannot evict pod as it would"
                        + " violate the pod's disruption budget." : "ok").build()).times(times);
    }

    private NodeDrain drain() {
        return new NodeDrain(client, Duration.ofMillis(50));
    }

    private List<String> requests() throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            out.add(r.getMethod() + " " + r.getPath() + (r.getMethod().equals("PATCH") ? " " + r.getBody().readUtf8() : ""));
        }
        return out;
    }

    @Test
    void cordonsEvictsAndWaitsLeavingDaemonSetAndMirrorPods() throws Exception {
        Pod web = pod("web-1", "ReplicaSet");
        Pod ds = pod("fluent-1", "DaemonSet");
        Pod mirror = mirror("kube-apiserver-w1");
        listOnce(web, ds, mirror);
        eviction("web-1", 201, 1);
        listOnce(web, ds, mirror); // still terminating
        listOnce(ds, mirror);

        NodeDrain.Result r;
        try {
            r = drain().drain(NODE, false, Duration.ofSeconds(10), progress::add);
        } catch (RuntimeException e) {
            throw new AssertionError(requests().toString(), e);
        }
        assertEquals(List.of("default/web-1"), r.evicted());
        assertEquals(List.of("default/fluent-1", "default/kube-apiserver-w1"), r.skipped());
        assertEquals(List.of(), r.deleted());
        List<String> req = requests();
        assertTrue(req.stream().anyMatch(x -> x.startsWith("PATCH /api/v1/nodes/w1 ") && x.contains("\"unschedulable\":true")),
                req.toString());
        assertEquals(1, req.stream().filter(x -> x.startsWith("POST ")).count(), req.toString());
        assertEquals(3, req.stream().filter(x -> x.startsWith("GET " + PODS)).count(), "waited until gone: " + req);
    }

    @Test
    void aPodDisruptionBudgetIsRetriedUntilItAllows() throws Exception {
        Pod web = pod("web-1", "ReplicaSet");
        listOnce(web);
        eviction("web-1", 429, 2);
        eviction("web-1", 201, 1);
        listOnce();

        NodeDrain.Result r = drain().drain(NODE, false, Duration.ofSeconds(10), progress::add);
        assertEquals(List.of("default/web-1"), r.evicted());
        assertEquals(3, requests().stream().filter(x -> x.startsWith("POST ")).count());
        assertTrue(progress.stream().anyMatch(l -> l.contains("PodDisruptionBudget")), progress.toString());
    }

    @Test
    void aPodDisruptionBudgetThatNeverAllowsFailsAtTheTimeoutNamingThePod() {
        listOnce(pod("web-1", "ReplicaSet"));
        eviction("web-1", 429, 1000);
        UnexpectedStateException e = assertThrows(UnexpectedStateException.class,
                () -> drain().drain(NODE, false, Duration.ofMillis(400), progress::add));
        assertTrue(e.getMessage().contains("default/web-1") && e.getMessage().contains("PodDisruptionBudget")
                && e.getMessage().contains("--timeout"), e.getMessage());
    }

    @Test
    void aPodWithoutControllerIsRefusedUnlessForcedThenDeleted() throws Exception {
        Pod bare = pod("bare", null);
        listOnce(bare);
        UnexpectedStateException e = assertThrows(UnexpectedStateException.class,
                () -> drain().drain(NODE, false, Duration.ofSeconds(5), progress::add));
        assertTrue(e.getMessage().contains("default/bare") && e.getMessage().contains("--force"), e.getMessage());
        assertTrue(requests().stream().noneMatch(x -> x.startsWith("POST ") || x.startsWith("DELETE ")), "nothing evicted or deleted");

        listOnce(bare);
        server.expect().delete().withPath("/api/v1/namespaces/default/pods/bare").andReturn(200, bare).once();
        listOnce();
        NodeDrain.Result r = drain().drain(NODE, true, Duration.ofSeconds(5), progress::add);
        assertEquals(List.of("default/bare"), r.deleted());
        assertTrue(requests().stream().anyMatch(x -> x.equals("DELETE /api/v1/namespaces/default/pods/bare")));
    }

    @Test
    void anEvictionFailingOtherwiseIsDeletedWhenForced() throws Exception {
        Pod web = pod("web-1", "ReplicaSet");
        listOnce(web);
        eviction("web-1", 500, 1);
        assertThrows(UnexpectedStateException.class, () -> drain().drain(NODE, false, Duration.ofSeconds(5), progress::add));

        listOnce(web);
        eviction("web-1", 500, 1);
        server.expect().delete().withPath("/api/v1/namespaces/default/pods/web-1").andReturn(200, web).once();
        listOnce();
        NodeDrain.Result r = drain().drain(NODE, true, Duration.ofSeconds(5), progress::add);
        assertEquals(List.of("default/web-1"), r.deleted());
    }

    @Test
    void podsThatDoNotGoAwayFailAtTheTimeout() {
        Pod web = pod("web-1", "ReplicaSet");
        listOnce(web);
        eviction("web-1", 201, 1);
        server.expect().get().withPath(PODS).andReturn(200, new PodListBuilder().withItems(web).build()).always();
        UnexpectedStateException e = assertThrows(UnexpectedStateException.class,
                () -> drain().drain(NODE, false, Duration.ofMillis(400), progress::add));
        assertTrue(e.getMessage().contains("still there: default/web-1"), e.getMessage());
    }
}
