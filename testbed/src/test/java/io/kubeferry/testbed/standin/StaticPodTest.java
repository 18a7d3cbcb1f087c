package io.kubeferry.testbed.standin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaticPodTest {
    @TempDir
    Path dir;

    static final String HAPROXY_POD = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: kube-apiserver-proxy
              namespace: kube-system
            spec:
              containers:
              - image: docker.io/library/haproxy:3.2-alpine
                name: haproxy
                volumeMounts:
                - mountPath: /usr/local/etc/haproxy
                  name: config
                  readOnly: true
              hostNetwork: true
              volumes:
              - hostPath:
                  path: /etc/kubeferry/apiserver-proxy
                  type: Directory
                name: config
            """;

    @Test
    void mapsContainerPathsToTheHostThroughHostPathVolumes() {
        StaticPod p = Manifests.parse(dir.resolve("proxy.yaml"), HAPROXY_POD.getBytes(StandardCharsets.UTF_8));
        StaticPod.Container c = p.containers().get(0);
        assertEquals("kube-system/kube-apiserver-proxy", p.fullName());
        assertEquals("haproxy", c.repositoryName());
        assertEquals(Path.of("/etc/kubeferry/apiserver-proxy/haproxy.cfg"), p.hostPath(c, "/usr/local/etc/haproxy/haproxy.cfg").orElseThrow());
        assertTrue(p.hostPath(c, "/usr/local/etc/haproxyX").isEmpty(), "a sibling of the mount is not under it");
        assertTrue(p.hostPath(c, "/etc/other").isEmpty());
    }

    @Test
    void readsCommandFlagsAndRepositoryNames() {
        StaticPod.Container c = new StaticPod.Container("etcd", "registry.k8s.io/etcd:3.5.16-0",
                java.util.List.of("etcd", "--name=cp1", "--data-dir", "/var/lib/etcd", "--client-cert-auth"), java.util.List.of("--snapshot-count=10000"),
                java.util.List.of());
        assertEquals("etcd", c.repositoryName());
        assertEquals("cp1", c.flags().get("name"));
        assertEquals("/var/lib/etcd", c.flags().get("data-dir"));
        assertEquals("true", c.flags().get("client-cert-auth"));
        assertEquals("10000", c.flags().get("snapshot-count"));
        assertEquals("kube-apiserver", new StaticPod.Container("", "localhost:5000/k8s/kube-apiserver@sha256:abc", java.util.List.of(),
                java.util.List.of(), java.util.List.of()).repositoryName());
    }

    @Test
    void scansTheStaticPodPathAsTheKubeletDoes() throws Exception {
        Files.writeString(dir.resolve("proxy.yaml"), HAPROXY_POD);
        Files.writeString(dir.resolve(".hidden.yaml"), HAPROXY_POD.replace("kube-apiserver-proxy", "hidden"));
        Files.writeString(dir.resolve("notes.txt"), "not a manifest");
        Files.writeString(dir.resolve("pod.json"), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\"},"
                + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        Files.writeString(dir.resolve("broken.yml"), "kind: Deployment\n");
        Manifests.Scan scan = Manifests.scan(dir);
        assertEquals(java.util.Set.of("kube-apiserver-proxy", "j"), scan.pods().keySet());
        assertEquals("default", scan.pods().get("j").namespace());
        assertTrue(scan.errors().get(dir.resolve("broken.yml")).contains("not a Pod"), scan.errors().toString());
    }

    @Test
    void normalisesImageNamesAsTheCriDoes() {
        assertEquals("docker.io/library/busybox:latest", Containerd.normalize("busybox"));
        assertEquals("docker.io/library/haproxy:3.2-alpine", Containerd.normalize("haproxy:3.2-alpine"));
        assertEquals("docker.io/flannel/flannel:v0.26.1", Containerd.normalize("flannel/flannel:v0.26.1"));
        assertEquals("registry.k8s.io/etcd:3.5.16-0", Containerd.normalize("registry.k8s.io/etcd:3.5.16-0"));
        assertEquals("localhost:5000/pause:3.10", Containerd.normalize("localhost:5000/pause:3.10"));
    }
}
