package io.kubeferry.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.support.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test bundle's crictl STAND-IN ({@link TestBundle#CRICTL_STAND_IN}) against status files as the kubelet stand-in
 * writes them: {@code ps -q} with --state, --name and --image, as the installer calls it. No root, no test host.
 */
class CrictlStandInTest {
    @TempDir
    Path dir;
    Path crictl;
    Path pods;

    @BeforeEach
    void write() throws Exception {
        crictl = dir.resolve("crictl");
        Files.writeString(crictl, TestBundle.CRICTL_STAND_IN);
        pods = Files.createDirectories(dir.resolve("standin-pods"));
        status("kube-apiserver-cp1", "kube-apiserver", "registry.k8s.io/kube-apiserver:v1.33.5", "Running");
        status("kube-scheduler-cp1", "kube-scheduler", "registry.k8s.io/kube-scheduler:v1.32.9", "Running");
        status("etcd-cp1", "etcd", "registry.k8s.io/etcd:3.5.21-0", "CrashLoopBackOff");
    }

    @Test
    void psImageKeepsTheContainersRunningThatImage() throws Exception {
        assertEquals(List.of("kube-apiserver-cp1"), ps("--state", "running", "--name", "^kube-apiserver$",
                "--image", "registry.k8s.io/kube-apiserver:v1.33.5"));
        assertEquals(List.of(), ps("--state", "running", "--name", "^kube-apiserver$",
                "--image", "registry.k8s.io/kube-apiserver:v1.32.9"), "the old image's container is not running");
        assertEquals(List.of("kube-scheduler-cp1"), ps("--image", "registry.k8s.io/kube-scheduler:v1.32.9"));
        assertEquals(List.of(), ps("--image", "registry.k8s.io/etcd:3.5.21-0"), "not running: only with -a");
        assertEquals(List.of("etcd-cp1"), ps("-a", "--image", "registry.k8s.io/etcd:3.5.21-0"));
        assertEquals(List.of(), ps("--image", "registry.k8s.io/kube-apiserver"), "the whole reference, not a prefix");
    }

    @Test
    void psWithoutImageListsAsBefore() throws Exception {
        assertEquals(List.of("kube-apiserver-cp1", "kube-scheduler-cp1"), ps("--state", "running"));
        assertEquals(List.of("etcd-cp1", "kube-apiserver-cp1", "kube-scheduler-cp1"), ps("-a"));
        assertEquals(List.of("etcd-cp1"), ps("--state", "exited"));
        assertEquals(List.of("kube-scheduler-cp1"), ps("--name", "scheduler"));
    }

    /** What the installer's diagnosis asks: the exited containers as JSON (id, then name), and a container's last log lines. */
    @Test
    void theDiagnosisCallsListExitedContainersAsJsonAndTailTheirLog() throws Exception {
        Path log = Files.createDirectories(dir.resolve("pods/kube-system_etcd-cp1")).resolve("etcd.log");
        Files.writeString(log, "line 1\nline 2\nline 3\n");
        Files.writeString(pods.resolve("etcd-cp1.status"), Files.readString(pods.resolve("etcd-cp1.status")) + "log=" + log + "\n");
        Processes.Result json = crictl("ps", "-a", "--state", "exited", "-o", "json");
        assertEquals(0, json.exit(), json.stderr());
        var parsed = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json.out());
        assertEquals(1, parsed.path("containers").size(), json.out());
        assertEquals("etcd-cp1", parsed.path("containers").get(0).path("id").asString());
        assertEquals("etcd", parsed.path("containers").get(0).path("metadata").path("name").asString());
        assertEquals("line 2\nline 3\n", crictl("logs", "--tail", "2", "etcd-cp1").out());
        assertTrue(crictl("logs", "no-such-pod").exit() != 0);
    }

    private Processes.Result crictl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "KUBEFERRY_CRICTL_STANDIN_PODS=" + pods, "sh", crictl.toString()));
        cmd.addAll(List.of(args));
        return Processes.exec(cmd);
    }

    @Test
    void anythingElseSaysItIsAStandIn() throws Exception {
        Processes.Result r = Processes.exec(List.of("env", "KUBEFERRY_CRICTL_STANDIN_PODS=" + pods, "sh", crictl.toString(),
                "ps", "-q", "--label", "x=y"));
        assertTrue(r.exit() != 0 && r.stderr().contains("crictl stand-in"), r.stderr());
    }

    private void status(String pod, String container, String image, String state) throws Exception {
        // the kubelet stand-in's PodStatusFiles layout
        Files.writeString(pods.resolve(pod + ".status"), "pod=kube-system/" + pod + "\ncontainer=" + container + "\nimage=" + image
                + "\nmanifest=/etc/kubernetes/manifests/" + container + ".yaml\nstate=" + state
                + "\nsince=2026-12-04T16:00:00Z\nrestarts=0\nlastError=\n");
    }

    private List<String> ps(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "KUBEFERRY_CRICTL_STANDIN_PODS=" + pods, "sh", crictl.toString(), "ps", "-q"));
        cmd.addAll(List.of(args));
        Processes.Result r = Processes.exec(cmd);
        assertEquals(0, r.exit(), r.stderr());
        return r.out().lines().sorted().toList();
    }
}
