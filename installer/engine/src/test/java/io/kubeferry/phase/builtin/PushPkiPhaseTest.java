package io.kubeferry.phase.builtin;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.Component;
import io.kubeferry.console.Console;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.PhaseRunner;
import io.kubeferry.phase.RunContext;
import io.kubeferry.phase.RunOptions;
import io.kubeferry.pki.PkiService;
import io.kubeferry.render.FixturesAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which component restarts when a PKI file changes: the components say it, for the hosts they run on. */
class PushPkiPhaseTest {
    @TempDir
    Path dir;

    private final PushPkiPhase push = new PushPkiPhase(new PkiService(), false, java.util.Optional.empty());

    private RunContext context(Inventory inv) {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true);
        RunContext ctx = new RunContext(new RunOptions(1, false, false), new Console(sink, sink, false), new PhaseRunner(),
                host -> {
                    throw new AssertionError("no connection expected");
                });
        ctx.setInventory(inv);
        return ctx;
    }

    private Set<String> readers(RunContext ctx, String host, String path) {
        Host h = ctx.inventory().host(host).orElseThrow();
        Set<String> names = new TreeSet<>();
        push.readers(ctx, h, path).forEach(c -> names.add(c.name()));
        return names;
    }

    @Test
    void eachPkiFileRestartsExactlyTheComponentsThatReadIt() {
        RunContext ctx = context(FixturesAccess.localProxy());
        String pki = Component.PKI_DIR + "/";
        assertEquals(Set.of("etcd"), readers(ctx, "cp1", pki + "etcd/server.crt"));
        assertEquals(Set.of("etcd", "kube-apiserver"), readers(ctx, "cp1", pki + "etcd/ca.crt"));
        assertEquals(Set.of("kube-apiserver"), readers(ctx, "cp1", pki + "apiserver.crt"));
        assertEquals(Set.of("kube-apiserver", "kube-controller-manager", "kubelet"), readers(ctx, "cp1", pki + "ca.crt"));
        assertEquals(Set.of("kube-apiserver", "kube-controller-manager"), readers(ctx, "cp1", pki + "sa.key"));
        assertEquals(Set.of("kube-controller-manager"), readers(ctx, "cp1", "/etc/kubernetes/controller-manager.conf"));
        assertEquals(Set.of("kube-scheduler"), readers(ctx, "cp1", "/etc/kubernetes/scheduler.conf"));
        assertEquals(Set.of("kubelet"), readers(ctx, "cp1", "/etc/kubernetes/kubelet.conf"));
        assertEquals(Set.of(), readers(ctx, "cp1", "/etc/kubernetes/admin.conf"), "read by people: nothing to restart");
        // on a worker only the kubelet runs: the control-plane pods are not restarted there
        assertEquals(Set.of("kubelet"), readers(ctx, "w1", pki + "ca.crt"));
    }

    @Test
    void everyFileTheKubeletOrAStaticPodReadsIsAPkiFileOfThatHost() {
        Inventory fixture = FixturesAccess.localProxy();
        // the PKI writes its state next to the inventory file: put it in the test's directory
        Inventory inv = new Inventory(dir.resolve("inventory.yaml"), fixture.cluster(), fixture.hosts());
        RunContext ctx = context(inv);
        PkiService pki = new PkiService();
        pki.generate(inv);
        for (Host h : inv.hosts()) {
            List<String> paths = pki.filesFor(inv, h).stream().map(HostFile::path).toList();
            if (h.isControlPlane()) {
                assertTrue(paths.stream().anyMatch(p -> readers(ctx, h.name(), p).contains("kube-apiserver")), h.name());
                assertTrue(paths.stream().anyMatch(p -> readers(ctx, h.name(), p).contains("etcd")), h.name());
            }
            assertTrue(paths.stream().anyMatch(p -> readers(ctx, h.name(), p).contains("kubelet")), h.name());
        }
    }
}
