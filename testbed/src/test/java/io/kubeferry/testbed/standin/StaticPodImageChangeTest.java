package io.kubeferry.testbed.standin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kubelet STAND-IN's static pod loop when an upgrade rewrites a manifest with a new image: the old container is
 * stopped (state Removed, "changed: restarting the pod"), the new one runs once its image is in containerd, and the
 * status file (which the crictl stand-in's {@code ps --image} reads) names the new image. containerd here is a fake
 * {@code ctr} listing the images of a file; the pod is kube-scheduler (its stand-in only reads its kubeconfig).
 */
class StaticPodImageChangeTest {
    static final String OLD = "registry.k8s.io/kube-scheduler:v1.32.9";
    static final String NEW = "registry.k8s.io/kube-scheduler:v1.33.5";

    @TempDir
    Path dir;
    Path manifests;
    Path images;
    PodStatusFiles status;
    StaticPodSync sync;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream stderr;

    @BeforeEach
    void setUp() throws Exception {
        manifests = Files.createDirectories(dir.resolve("manifests"));
        images = dir.resolve("images");
        Files.writeString(images, OLD + "\n");
        Path ctr = dir.resolve("ctr");
        // ctr --address SOCKET -n k8s.io images ls -q: the images file; anything else (tasks...) is not needed here
        Files.writeString(ctr, "#!/bin/sh\n[ \"$5 $6 $7\" = \"images ls -q\" ] && exec cat '" + images + "'\nexit 1\n");
        Files.setPosixFilePermissions(ctr, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("scheduler.conf"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kubernetes
                  cluster: {server: "https://127.0.0.1:6443"}
                users:
                - name: system:kube-scheduler
                  user: {token: stand-in}
                """);
        status = new PodStatusFiles(dir.resolve("standin-pods"), dir.resolve("pod-logs"));
        sync = new StaticPodSync(manifests, new Containerd(ctr, dir.resolve("containerd.sock")), status);
        stderr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        System.setErr(stderr);
        sync.close();
    }

    @Test
    void aNewImageInTheManifestStopsTheOldContainerAndRunsTheNewOne() throws Exception {
        writeManifest(OLD);
        sync.tick();
        assertEquals("Running", status().get("state"), status().toString());
        assertEquals(OLD, status().get("image"));

        // the upgrade rewrites the manifest before the new image is imported: the old pod stops, the new one waits
        writeManifest(NEW);
        sync.tick();
        String logged = log.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("(" + OLD + "): Removed: manifest " + manifests.resolve("kube-scheduler.yaml")
                + " changed: restarting the pod"), logged);
        assertEquals("ErrImagePull", status().get("state"), status().toString());
        assertEquals(NEW, status().get("image"));

        Files.writeString(images, OLD + "\n" + NEW + "\n");
        sync.tick();
        assertEquals("Running", status().get("state"), status().toString());
        assertEquals(NEW, status().get("image"));
        assertEquals("0", status().get("restarts"), "a new container, not a restart of the old one");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("(" + NEW + "): Running"), log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aNewImageAlreadyThereIsRunInTheSameTick() throws Exception {
        Files.writeString(images, OLD + "\n" + NEW + "\n");
        writeManifest(OLD);
        sync.tick();
        writeManifest(NEW);
        sync.tick();
        assertEquals("Running", status().get("state"), status().toString());
        assertEquals(NEW, status().get("image"));
    }

    /**
     * The STAND-IN's fault injection ({@value PodWorker#CRASH_IMAGES_FILE} next to the status directory): a listed image's
     * container exits at start, saying so in its log (what crictl logs shows); the line removed, the next attempt after
     * the back-off runs it.
     */
    @Test
    void aListedImageCrashesAtStartUntilTheListNoLongerNamesIt() throws Exception {
        Files.writeString(images, OLD + "\n" + NEW + "\n");
        Path crashList = dir.resolve(PodWorker.CRASH_IMAGES_FILE);
        Files.writeString(crashList, NEW + "\n");
        writeManifest(NEW);
        sync.tick();
        assertEquals("Error", status().get("state"), status().toString());
        assertTrue(status().get("lastError").contains("STAND-IN fault injection"), status().toString());
        String containerLog = Files.readString(Path.of(status().get("log")));
        assertTrue(containerLog.contains("exited with code 1 at start (STAND-IN fault injection"), containerLog);

        Files.delete(crashList);
        Thread.sleep(PodWorker.INITIAL_BACKOFF.toMillis() + 200);
        sync.tick();
        assertEquals("Running", status().get("state"), status().toString());
    }

    private void writeManifest(String image) throws Exception {
        Files.writeString(manifests.resolve("kube-scheduler.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: kube-scheduler
                  namespace: kube-system
                spec:
                  containers:
                  - name: kube-scheduler
                    image: %s
                    command:
                    - kube-scheduler
                    - --kubeconfig=/etc/kubernetes/scheduler.conf
                    volumeMounts:
                    - mountPath: /etc/kubernetes/scheduler.conf
                      name: kubeconfig
                      readOnly: true
                  hostNetwork: true
                  volumes:
                  - hostPath:
                      path: %s
                      type: FileOrCreate
                    name: kubeconfig
                """.formatted(image, dir.resolve("scheduler.conf")));
    }

    private Map<String, String> status() throws Exception {
        return Files.readAllLines(status.file("kube-scheduler")).stream().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    @Test
    void imageTagsAsTheApiServerWorkerReadsThem() {
        assertEquals("v1.33.5", container("registry.k8s.io/kube-apiserver:v1.33.5").imageTag().orElseThrow());
        assertEquals("v1.33.5", container("10.250.0.1:5000/k8s/kube-apiserver:v1.33.5@sha256:abc").imageTag().orElseThrow());
        assertTrue(container("localhost:5000/kube-apiserver").imageTag().isEmpty(), "a registry port is no tag");
        assertTrue(container("registry.k8s.io/kube-apiserver@sha256:abc").imageTag().isEmpty());
    }

    private static StaticPod.Container container(String image) {
        return new StaticPod.Container("c", image, List.of(), List.of(), List.of());
    }
}
