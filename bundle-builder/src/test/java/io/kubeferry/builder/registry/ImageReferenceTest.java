package io.kubeferry.builder.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    @Test
    void normalizesLikeContainerd() {
        assertEquals("docker.io/library/haproxy:3.2-alpine", ImageReference.parse("haproxy:3.2-alpine").canonical());
        assertEquals("docker.io/flannel/flannel:latest", ImageReference.parse("flannel/flannel").canonical());
        assertEquals("registry-1.docker.io", ImageReference.parse("busybox").apiHost());
        ImageReference r = ImageReference.parse("127.0.0.1:5000/test/app:1");
        assertEquals("127.0.0.1:5000", r.registry());
        assertEquals("test/app", r.repository());
        assertEquals("1", r.tag());
        ImageReference d = ImageReference.parse("registry.k8s.io/pause:3.10@sha256:" + "a".repeat(64));
        assertEquals("sha256:" + "a".repeat(64), d.manifestReference());
        assertEquals("registry.k8s.io/pause:3.10", d.canonical());
        assertEquals("localhost/x:1", ImageReference.parse("localhost/x:1").canonical());
    }

    @Test
    void rejectsBadReferences() {
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("UPPER/case:1"));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("x@sha256:short"));
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("x:bad tag"));
    }
}
