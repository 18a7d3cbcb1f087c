package io.kubeferry.e2e;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One control plane and one worker, the endpoint being the control plane's own address (external mode, no local
 * proxy), the API reached through an SSH tunnel ({@code --api-through-ssh}), and a failure injected mid-run: the
 * worker's sshd is stopped when the control-plane phase starts, the run fails naming the worker, and a second run
 * after sshd is back finishes the install, recognising what was done. Kubelet STAND-IN as in {@link InstallIT}.
 */
class SingleControlPlaneIT {
    static TestBundle bundle;
    static Testbed tb;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("testbed.skip"), "end-to-end tests disabled by -Dtestbed.skip=true");
        tb = Testbed.fresh(2);
        bundle = TestBundle.shared();
    }

    @Test
    void aRunCutByALostWorkerIsFinishedByTheNextRun() throws Exception {
        Path dir = Files.createTempDirectory("kubeferry-single-it");
        Path inventory = Install.writeInventory(dir, """
                cluster: {name: single, kubernetesVersion: %s}
                ssh: {privateKeyFile: %s, knownHostsFile: %s, connectTimeout: 5s}
                hosts:
                  - {name: kf-h1, address: 10.250.0.11, roles: [control-plane]}
                  - {name: kf-h2, address: 10.250.0.12, roles: [worker], ssh: {user: kfnopass}}
                """.formatted(TestBundle.KUBERNETES_VERSION, tb.privateKey(), tb.knownHosts()));
        TestHost worker = tb.host(2);
        AtomicBoolean stopped = new AtomicBoolean();
        try {
            Install.Run cut = Install.run(bundle, line -> {
                if (line.contains("==> Control plane") && stopped.compareAndSet(false, true)) {
                    tb.stopSsh(worker);
                }
            }, "apply", "-i", inventory.toString(), "--api-through-ssh");
            assertTrue(stopped.get(), cut.output());
            assertEquals(1, cut.exit(), cut.toString());
            assertTrue(cut.output().contains("kf-h2"), cut.output());
            assertTrue(cut.output().contains("through an SSH tunnel to kf-h1"), cut.output());
        } finally {
            tb.startSsh(worker);
        }

        Install.Run resumed = Install.run(bundle, "apply", "-i", inventory.toString(), "--api-through-ssh", "-v");
        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.output().contains("Cluster single (Kubernetes 1.32.9) is up: 2 nodes"), resumed.output());
        // what the first run did on the control plane is recognised, not redone
        // (-v prints every change: the worker's are there, the control plane has none left to make)
        assertTrue(resumed.output().lines().anyMatch(l -> l.contains("kf-h2: wrote /var/lib/kubelet/config.yaml")), resumed.output());
        assertFalse(resumed.output().lines().anyMatch(l -> l.contains("kf-h1: copied") || l.contains("kf-h1: wrote")
                || l.contains("kf-h1: installed")), resumed.output());

        Install.Run nodes = Install.kubectl(dir.resolve(".kubeferry/single/pki/admin.conf"), "https://10.250.0.11:6443",
                "get", "nodes", "-o", "name");
        assertEquals(0, nodes.exit(), nodes.output());
        assertTrue(nodes.output().contains("node/kf-h1") && nodes.output().contains("node/kf-h2"), nodes.output());
    }
}
