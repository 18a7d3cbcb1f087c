package io.kubeferry.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.inventory.Taint;
import io.kubeferry.kube.testsupport.StandInApiServer;
import io.kubeferry.pki.AdminRbac;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** KubeApi against the stand-in API server, with the PKI's real admin.conf and super-admin.conf, through a "tunnel" URL. */
class KubeApiAgainstStandInTest {
    static final String MANIFEST = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: kubeadm-config
              namespace: kube-system
            data:
              ClusterConfiguration: |
                kubernetesVersion: v1.34.1
            ---
            """ + AdminRbac.CLUSTER_ROLE_BINDING_YAML + """
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: coredns
              namespace: kube-system
              labels:
                k8s-app: kube-dns
            spec:
              replicas: 2
              selector:
                matchLabels:
                  k8s-app: kube-dns
              template:
                metadata:
                  labels:
                    k8s-app: kube-dns
                spec:
                  containers:
                  - name: coredns
                    image: registry.k8s.io/coredns/coredns:v1.12.1
            """;

    @TempDir
    static Path dir;
    static TestPki pki;
    static StandInApiServer server;

    @BeforeAll
    static void start() {
        pki = TestPki.generate(dir, KeyAlgorithm.ECDSA_P256);
        server = pki.startApiServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void applyTwiceChangesNothingTheSecondTimeAndAdminGetsRightsFromTheBinding() {
        try (KubeApi admin = KubeApi.connect(pki.adminConf(), "admin.conf", server.url());
             KubeApi superAdmin = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            // admin.conf's group has no rights before kubeadm:cluster-admins is bound (kubeadm binds it with super-admin.conf)
            UnexpectedStateException forbidden = assertThrows(UnexpectedStateException.class, admin::nodes);
            assertTrue(forbidden.getMessage().contains("403 Forbidden"), forbidden.getMessage());
            assertTrue(forbidden.getMessage().contains("kubernetes-admin"), forbidden.getMessage());
            assertTrue(forbidden.getMessage().contains("cannot list resource \"nodes\""), forbidden.getMessage());

            List<KubeApi.Applied> first = superAdmin.apply("addons.yaml", MANIFEST);
            assertEquals(List.of("ConfigMap", "ClusterRoleBinding", "Deployment"), first.stream().map(KubeApi.Applied::kind).toList());
            assertTrue(first.stream().allMatch(KubeApi.Applied::changed), first.toString());

            // now admin.conf works, and applying the same again changes nothing
            List<KubeApi.Applied> second = admin.apply("addons.yaml", MANIFEST);
            assertTrue(second.stream().noneMatch(KubeApi.Applied::changed), second.toString());
            for (int i = 0; i < 3; i++) {
                assertEquals(first.get(i).resourceVersion(), second.get(i).resourceVersion(), first.get(i).toString());
            }
            JsonNode deployment = server.object("apps/v1", "Deployment", "kube-system", "coredns").orElseThrow();
            assertEquals(2, deployment.path("spec").path("replicas").asInt());
        }
    }

    @Test
    void previewSaysWhatAnApplyWouldCreateOrChangeFieldByFieldAndWritesNothing() throws Exception {
        String cm = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: preview-me
                  namespace: kube-system
                  labels: {app: x}
                data:
                  a: "1"
                  b: "2"
                """;
        try (KubeApi superAdmin = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            assertEquals("[create ConfigMap kube-system/preview-me]", superAdmin.preview("cm.yaml", cm).toString());
            assertTrue(superAdmin.get("v1", "ConfigMap", "kube-system", "preview-me").isEmpty(), "a preview writes nothing");

            superAdmin.apply("cm.yaml", cm);
            List<KubeApi.Preview> same = superAdmin.preview("cm.yaml", cm);
            assertFalse(same.get(0).changes(), same.toString());
            // another writer's label is not ours to judge; our own fields are
            server.put("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"preview-me\","
                    + "\"namespace\":\"kube-system\",\"labels\":{\"app\":\"x\",\"owner\":\"else\"}},\"data\":{\"a\":\"1\",\"b\":\"2\"}}");
            assertFalse(superAdmin.preview("cm.yaml", cm).get(0).changes());
            assertEquals("[change ConfigMap kube-system/preview-me (metadata.labels.app, data.b)]",
                    superAdmin.preview("cm.yaml", cm.replace("b: \"2\"", "b: \"3\"").replace("app: x", "app: y")).toString());

            // a Deployment (not the first test's objects: it must find no binding yet): an edited container is one change
            String deployment = MANIFEST.substring(MANIFEST.indexOf("apiVersion: apps/v1")).replace("name: coredns\n  namespace",
                    "name: preview-dns\n  namespace");
            superAdmin.apply("dns.yaml", deployment);
            assertFalse(superAdmin.preview("dns.yaml", deployment).get(0).changes());
            assertEquals("[change Deployment kube-system/preview-dns (spec.template.spec.containers[0].image)]",
                    superAdmin.preview("dns.yaml", deployment.replace("v1.12.1", "v1.12.2")).toString());
        }
    }

    @Test
    void applyMergesIntoWhatOthersWroteAndReadsBack() throws Exception {
        try (KubeApi superAdmin = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            String cm = """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: merge-me
                      namespace: kube-system
                    data:
                      a: "1"
                    """;
            superAdmin.apply("cm.yaml", cm);
            // another writer (a controller, a user) adds a label
            server.put("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"merge-me\","
                    + "\"namespace\":\"kube-system\",\"labels\":{\"owner\":\"someone-else\"}},\"data\":{\"a\":\"1\"}}");
            List<KubeApi.Applied> applied = superAdmin.apply("cm.yaml", cm.replace("a: \"1\"", "a: \"2\""));
            assertTrue(applied.get(0).changed());
            GenericKubernetesResource back = superAdmin.get("v1", "ConfigMap", "kube-system", "merge-me").orElseThrow();
            assertEquals("someone-else", back.getMetadata().getLabels().get("owner"));
            assertEquals("2", ((Map<?, ?>) back.getAdditionalProperties().get("data")).get("a"));

            assertTrue(superAdmin.delete("v1", "ConfigMap", "kube-system", "merge-me"));
            assertFalse(superAdmin.delete("v1", "ConfigMap", "kube-system", "merge-me"));
            assertTrue(superAdmin.get("v1", "ConfigMap", "kube-system", "merge-me").isEmpty());
        }
    }

    @Test
    void nodeIsWaitedForThenLabelledTaintedAndAnnotatedOnce() throws Exception {
        try (KubeApi api = KubeApi.connect(pki.superAdminConf(), "super-admin.conf", server.url())) {
            List<String> progress = new ArrayList<>();
            api.waitForReadyz(java.time.Duration.ofSeconds(5), progress::add);
            UnexpectedStateException missing = assertThrows(UnexpectedStateException.class,
                    () -> api.markNode("cp9", Map.of("a", "b"), Map.of(), List.of()));
            assertTrue(missing.getMessage().contains("node cp9 does not exist"), missing.getMessage());

            // the kubelet registers its Node, not ready at first
            server.put(node("False"));
            Thread readyLater = new Thread(() -> {
                try {
                    Thread.sleep(700);
                    server.put(node("True"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            readyLater.start();
            Node ready = api.waitForNodeReady("cp1", java.time.Duration.ofSeconds(10), progress::add);
            readyLater.join();
            assertEquals("cp1", ready.getMetadata().getName());
            assertTrue(progress.stream().anyMatch(p -> p.contains("node cp1 is not Ready (KubeletNotReady")), progress.toString());

            Map<String, String> labels = Map.of("node-role.kubernetes.io/control-plane", "",
                    "node.kubernetes.io/exclude-from-external-load-balancers", "");
            Map<String, String> annotations = Map.of("kubeadm.alpha.kubernetes.io/cri-socket", "unix:///run/containerd/containerd.sock");
            List<Taint> taints = List.of(new Taint("node-role.kubernetes.io/control-plane", null, "NoSchedule"));
            Node marked = api.markNode("cp1", labels, annotations, taints);
            assertEquals("", marked.getMetadata().getLabels().get("node-role.kubernetes.io/control-plane"));
            assertEquals("linux", marked.getMetadata().getLabels().get("kubernetes.io/os"), "the kubelet's own labels stay");
            assertEquals(1, marked.getSpec().getTaints().size());
            assertEquals("NoSchedule", marked.getSpec().getTaints().get(0).getEffect());
            assertEquals("unix:///run/containerd/containerd.sock",
                    marked.getMetadata().getAnnotations().get("kubeadm.alpha.kubernetes.io/cri-socket"));

            Node again = api.markNode("cp1", labels, annotations, taints);
            assertEquals(marked.getMetadata().getResourceVersion(), again.getMetadata().getResourceVersion(), "nothing to change");
            assertEquals(1, again.getSpec().getTaints().size());
            assertEquals(List.of("cp1"), api.nodes().stream().map(n -> n.getMetadata().getName()).toList());
        }
    }

    static String node(String ready) {
        return """
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"cp1","labels":{"kubernetes.io/os":"linux","kubernetes.io/hostname":"cp1"}},
                 "status":{"conditions":[{"type":"Ready","status":"%s","reason":"%s","message":"stand-in kubelet"}],
                 "nodeInfo":{"kubeletVersion":"v1.34.1"}}}
                """.formatted(ready, ready.equals("True") ? "KubeletReady" : "KubeletNotReady");
    }
}
