package io.kubeferry.kube;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Networking;
import io.kubeferry.inventory.Role;
import io.kubeferry.pki.PkiLayout;
import io.kubeferry.pki.PkiService;
import io.kubeferry.render.RenderService;
import io.kubeferry.render.TemplateSource;
import io.kubeferry.testbed.ExecResult;
import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import io.kubeferry.testbed.standin.KubeletStandIn;
import io.kubeferry.testbed.standin.StandInImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kubelet STAND-IN (testbed's {@link KubeletStandIn}) on one test host, installed as the install does it: the
 * launcher as /usr/local/bin/kubelet, the rendered kubelet unit, drop-in, flags and config, the PKI's files, and the
 * rendered etcd and control-plane static pods of a one-host cluster (Kubernetes 1.32, etcd 3.5.16) with their images
 * imported into the host's containerd. Proves: /healthz answers on the host; etcd runs as a containerd task and
 * answers the Go etcdctl over TLS with the generated certificates; the stand-in API server's /readyz is 200 (a TLS
 * health call to that etcd); the Node is registered (the real kubectl with super-admin.conf); a kubelet restart
 * re-attaches to the running etcd; an unknown flag exits 1 with the kubelet's words; a removed manifest stops its pod.
 */
class KubeletStandInIT {
    private static Testbed tb;
    @TempDir
    Path dir;

    @BeforeAll
    static void up() {
        tb = Testbed.fresh(1); // nothing an earlier test left (a kubelet, an etcd task with another PKI)
    }

    @Test
    void runsTheRenderedStaticPodsAndRegistersTheNode() throws Exception {
        TestHost h = tb.host(1);
        Inventory inventory = oneHostInventory(h);
        Host host = inventory.hosts().get(0);
        new PkiService().generate(inventory);
        List<HostFile> files = new ArrayList<>(new PkiService().filesFor(inventory, host));
        for (HostFile f : new RenderService(TemplateSource.builtIn()).renderAll(inventory).filesFor(h.name())) {
            // the kubelet's and the control plane's files; the host's containerd, sysctls and modules stay as they are
            if (f.path().startsWith("/etc/kubernetes/") || f.path().startsWith("/var/lib/kubelet/")
                    || f.path().startsWith("/etc/systemd/system/kubelet.service")) {
                files.add(f);
            }
        }
        String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        files.add(HostFile.text("/usr/local/bin/kubelet", KubeletStandIn.launcherScript(Path.of(javaExe), classPath(), "v1.32.9-standin"), 0755));
        Set<String> images = new TreeSet<>();
        for (HostFile f : files) {
            if (f.path().startsWith("/etc/kubernetes/manifests/")) {
                Matcher m = Pattern.compile("(?m)^\\s*(?:- )?image: (\\S+)$").matcher(f.text());
                while (m.find()) {
                    images.add(m.group(1));
                }
            }
        }
        assertTrue(images.contains("registry.k8s.io/etcd:3.5.16-0"), "rendered images: " + images);
        Path superAdmin = PkiLayout.of(inventory).root().resolve("super-admin.conf");

        boolean containerdWasActive = tb.exec(h, "systemctl is-active containerd").ok();
        try {
            copyFiles(h, files);
            check(tb.exec(h, "systemctl start containerd && for i in $(seq 50); do ctr version >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1"));
            for (String image : images) {
                Path tar = StandInImages.writeImageFor(dir.resolve("image.tar"), image);
                tb.copyTo(h, tar, "/tmp/standin-image.tar");
                check(tb.exec(h, "ctr -n k8s.io images import /tmp/standin-image.tar && rm /tmp/standin-image.tar", Duration.ofMinutes(2)));
            }
            check(tb.exec(h, "systemctl daemon-reload && systemctl restart kubelet"));

            // /healthz: plain HTTP on 127.0.0.1:10248 of the host, as kubeadm's wait-control-plane asks it
            waitFor("kubelet healthz", Duration.ofSeconds(60), () -> tb.exec(h, "curl -sf http://127.0.0.1:10248/healthz").stdout().equals("ok"));

            // etcd: a real containerd task, answering Go's etcdctl over TLS with the generated healthcheck client certificate
            waitFor("etcd task running", Duration.ofSeconds(60), () -> tb.exec(h, "ctr -n k8s.io task ls").stdout()
                    .lines().anyMatch(l -> l.startsWith("kubeferry-standin-etcd ") && l.contains("RUNNING")));
            String etcdctl = Files.isExecutable(Path.of(StandInImages.TRIXIE_BIN, "etcdctl")) ? StandInImages.TRIXIE_BIN + "/etcdctl" : "etcdctl";
            String health = "ETCDCTL_API=3 " + etcdctl + " --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt"
                    + " --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key"
                    + " --command-timeout=5s endpoint health";
            waitFor("etcdctl endpoint health", Duration.ofSeconds(60), () -> tb.exec(h, health).stdout().contains("is healthy"));

            // the stand-in API server from the kube-apiserver pod's flags: /readyz includes a TLS health call to etcd
            try (KubeApi api = KubeApi.connect(Files.readAllBytes(superAdmin), "super-admin.conf", null)) {
                api.waitForReadyz(Duration.ofSeconds(60), p -> { });
            }

            // the Node, registered by the stand-in with the real kubectl; read with the real kubectl and the admin credentials
            String getNode = "kubectl --kubeconfig " + superAdmin + " get node " + h.name()
                    + " -o jsonpath='{.status.nodeInfo.kubeletVersion}/{.status.addresses[0].address}/{.spec.taints[0].key}/"
                    + "{.metadata.labels.kubernetes\\.io/hostname}/{.status.conditions[0].type}={.status.conditions[0].status}'";
            String expected = "v1.32.9-standin/" + h.address() + "/node-role.kubernetes.io/control-plane/" + h.name() + "/Ready=True";
            String[] node = {""};
            try {
                waitFor("Node " + h.name() + " registered", Duration.ofSeconds(60), () -> (node[0] = localAll(getNode).strip()).equals(expected));
            } catch (AssertionError e) {
                assertEquals(expected, node[0], "kubectl get node");
            }

            // a kubelet restart leaves the static pod running and re-attaches to it (same task, same pid)
            String pidBefore = etcdPid(h);
            check(tb.exec(h, "systemctl restart kubelet"));
            waitFor("kubelet healthz after restart", Duration.ofSeconds(60),
                    () -> tb.exec(h, "curl -sf http://127.0.0.1:10248/healthz").stdout().equals("ok"));
            waitFor("re-attach logged", Duration.ofSeconds(30), () -> tb.exec(h, "journalctl -u kubelet").stdout()
                    .contains("re-attached to the running containerd task kubeferry-standin-etcd"));
            assertEquals(pidBefore, etcdPid(h), "etcd was not restarted by the kubelet stand-in's restart");

            // an unknown flag: exit 1 with the real kubelet's words
            ExecResult unknown = tb.exec(h, "/usr/local/bin/kubelet --nosuch");
            assertEquals(1, unknown.exitCode(), unknown.toString());
            assertTrue(unknown.stderr().contains("Error: unknown flag: --nosuch"), unknown.stderr());

            // a removed manifest: its pod stops (task and container gone), its status file says so
            check(tb.exec(h, "rm /etc/kubernetes/manifests/etcd.yaml"));
            waitFor("etcd stopped", Duration.ofSeconds(60), () -> !tb.exec(h, "ctr -n k8s.io containers ls -q").stdout()
                    .contains("kubeferry-standin-etcd"));
            String status = tb.exec(h, "cat /var/lib/kubelet/standin-pods/etcd.status").stdout();
            assertTrue(status.contains("state=Removed"), status);
            assertTrue(tb.exec(h, "journalctl -u kubelet").stdout().contains("kubelet STAND-IN"), "log lines name the stand-in");
        } catch (Exception | AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + diagnostics(h), e);
        } finally {
            ExecResult clean = tb.exec(h, "systemctl stop kubelet; "
                    + "ctr -n k8s.io task kill -s SIGKILL kubeferry-standin-etcd 2>/dev/null; sleep 0.5; "
                    + "ctr -n k8s.io task delete -f kubeferry-standin-etcd 2>/dev/null; ctr -n k8s.io containers delete kubeferry-standin-etcd 2>/dev/null; "
                    + "for i in " + String.join(" ", images) + "; do ctr -n k8s.io images rm $i >/dev/null 2>&1; done; "
                    + "rm -rf /etc/kubernetes /var/lib/kubelet /var/lib/etcd /var/log/pods /usr/local/bin/kubelet "
                    + "/etc/systemd/system/kubelet.service /etc/systemd/system/kubelet.service.d /var/log/systemctl-standin/kubelet.service.log "
                    + "/tmp/standin-image.tar /tmp/standin-files.tar; systemctl daemon-reload"
                    + (containerdWasActive ? "" : "; systemctl stop containerd"), Duration.ofMinutes(2));
            if (!clean.ok()) {
                // not an assertion: it would hide the test's own failure
                System.err.println("KubeletStandInIT: cleaning " + h.name() + " up failed: " + clean);
            }
        }
    }

    private Inventory oneHostInventory(TestHost h) {
        Host host = new Host(h.name(), h.address(), h.address(), null, Set.of(Role.CONTROL_PLANE), Map.of(), List.of());
        Networking net = new Networking(Cidr.parse("10.244.0.0/16").orElseThrow(), Cidr.parse("10.96.0.0/12").orElseThrow(),
                "cluster.local", Networking.Cni.FLANNEL);
        CertificateOptions certs = new CertificateOptions(KeyAlgorithm.ECDSA_P256, CertificateOptions.DEFAULT_CA_VALIDITY,
                CertificateOptions.DEFAULT_CERT_VALIDITY, List.of());
        ClusterSpec cluster = new ClusterSpec("kubernetes", KubernetesVersion.parse("1.32.9").orElseThrow(),
                new ControlPlaneEndpoint(h.address(), 6443, ControlPlaneEndpoint.Mode.SINGLE_NODE), net, certs, Map.of(),
                ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
        return new Inventory(dir.resolve("inventory.yaml"), cluster, List.of(host));
    }

    /** The test JVM's class path (surefire puts the real one in java.class.path even with its manifest-only jar). */
    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        assertTrue(cp.contains("test-classes"), "kubeferry-kube's test classes on the class path: " + cp);
        return cp;
    }

    /** Every file in one tar, unpacked at / on the host with its mode. */
    private void copyFiles(TestHost h, List<HostFile> files) throws IOException, InterruptedException {
        Path root = dir.resolve("files");
        for (HostFile f : files) {
            Path p = root.resolve(f.path().substring(1));
            Files.createDirectories(p.getParent());
            Files.write(p, f.content());
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(perms(f.mode())));
        }
        Path tar = dir.resolve("files.tar");
        Process p = new ProcessBuilder("tar", "-C", root.toString(), "--owner=0", "--group=0", "-cf", tar.toString(), ".")
                .inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "tar of the host's files");
        tb.copyTo(h, tar, "/tmp/standin-files.tar");
        check(tb.exec(h, "tar -C / --no-overwrite-dir -xpf /tmp/standin-files.tar && rm /tmp/standin-files.tar"));
    }

    private static String perms(int mode) {
        String all = "rwxrwxrwx";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            b.append((mode & (1 << (8 - i))) != 0 ? all.charAt(i) : '-');
        }
        return b.toString();
    }

    private static String etcdPid(TestHost h) {
        return tb.exec(h, "ctr -n k8s.io task ls").stdout().lines().filter(l -> l.startsWith("kubeferry-standin-etcd "))
                .map(l -> l.trim().split("\\s+")[1]).findFirst().orElse("none");
    }

    /** A command on this machine (the real kubectl against the host's API server): its output, stdout and stderr. */
    private static String localAll(String command) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void check(ExecResult r) {
        assertTrue(r.ok(), r.toString());
    }

    private static void waitFor(String what, Duration timeout, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            Thread.sleep(500);
        }
        fail("timed out after " + timeout.toSeconds() + "s waiting for " + what);
    }

    /** The kubelet stand-in's log, its pods' status files and etcd's last lines, for a failure's message. */
    private static String diagnostics(TestHost h) {
        return "---- on " + h.name() + ":\n" + tb.exec(h, "journalctl -u kubelet | tail -60; for f in /var/lib/kubelet/standin-pods/*.status; "
                + "do echo == $f; cat $f; done; echo == etcd; tail -5 /var/log/pods/kube-system_etcd/etcd.log; echo == in-host; "
                + "curl -sk -m 5 https://" + h.address() + ":6443/version; ss -tnp | head -20").stdout()
                + "\n== from the machine: " + localAll("curl -skv -m 5 https://" + h.address() + ":6443/version 2>&1; ip route get " + h.address());
    }
}
