package io.kubeferry.render;

import io.kubeferry.component.Components;
import io.kubeferry.component.RenderSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rendered configs are accepted by the real programs that read them (Debian packages on the test machine). */
class RealProgramsTest {
    @TempDir
    Path tmp;

    @Test
    void containerdAcceptsTheConfigAndAppliesSystemdCgroupPauseImageAndRegistryDir() throws Exception {
        Assumptions.assumeTrue(TestSupport.onPath("containerd"), "containerd not installed");
        for (String version : List.of("1.32.9", "1.34.1")) {
            for (String mirror : new String[] {null, "http://10.20.0.11:5000"}) {
                Inventory inv = Fixtures.ha().version(version).build();
                RenderSettings settings = RenderSettings.defaults().withRegistryMirror(mirror);
                RenderedCluster rc = new RenderService(TemplateSource.builtIn(), settings, Components.standard())
                        .renderAll(inv);
                Host w = inv.workers().get(0);
                Path config = tmp.resolve("config-" + version + "-" + (mirror != null) + ".toml");
                Files.writeString(config, EndpointTest.text(rc, w, "/etc/containerd/config.toml"));
                TestSupport.Proc dump = TestSupport.run(List.of("containerd", "--config", config.toString(), "config", "dump"));
                assertEquals(0, dump.exit(), dump.output());
                String out = dump.output();
                assertTrue(out.contains("SystemdCgroup = true"), out);
                assertTrue(out.contains("sandbox_image = \"registry.k8s.io/pause:" + (version.startsWith("1.34") ? "3.10.1" : "3.10") + "\""), out);
                assertTrue(out.contains("config_path = \"/etc/containerd/certs.d\""), out);
                // every hosts.toml names a server that is not an upstream registry
                String hostsToml = EndpointTest.text(rc, w, "/etc/containerd/certs.d/registry.k8s.io/hosts.toml");
                assertTrue(hostsToml.contains("server = \"" + (mirror == null ? RenderSettings.NO_PULL_SERVER : mirror) + "\""),
                        hostsToml);
            }
        }
    }

    @Test
    void containerdCheckCatchesABrokenConfig() throws Exception {
        Assumptions.assumeTrue(TestSupport.onPath("containerd"), "containerd not installed");
        // negative control: the check above would notice a config containerd refuses
        Path bad = tmp.resolve("bad.toml");
        Files.writeString(bad, "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = 5\n");
        assertNotEquals(0, TestSupport.run(List.of("containerd", "--config", bad.toString(), "config", "dump")).exit());
    }

    @Test
    void haproxyAcceptsTheLocalProxyConfigWithoutWarnings() throws Exception {
        Assumptions.assumeTrue(TestSupport.onPath("haproxy"), "haproxy not installed");
        Inventory inv = Fixtures.ha().localProxy().build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Path cfg = tmp.resolve("haproxy.cfg");
        Files.writeString(cfg, EndpointTest.text(rc, inv.workers().get(0), "/etc/kubeferry/apiserver-proxy/haproxy.cfg"));
        TestSupport.Proc check = TestSupport.run(List.of("haproxy", "-c", "-f", cfg.toString()));
        assertEquals(0, check.exit(), check.output());
        assertFalse(check.output().contains("WARNING"), check.output());
        // negative control
        Files.writeString(cfg, Files.readString(cfg).replace("balance leastconn", "balance nosuchalgo"));
        assertNotEquals(0, TestSupport.run(List.of("haproxy", "-c", "-f", cfg.toString())).exit());
    }

    /**
     * systemd-analyze verify needs the ExecStart binaries to exist: the units are rendered with a bin dir holding
     * stand-in scripts (named so), since kubelet and containerd binaries come from the bundle.
     */
    @Test
    void systemdAnalyzeVerifiesTheUnitsAndDropIn() throws Exception {
        Assumptions.assumeTrue(TestSupport.onPath("systemd-analyze"), "systemd-analyze not available; unit check skipped");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String standIn : List.of("kubelet", "containerd")) {
            Path p = bin.resolve(standIn);
            Files.writeString(p, "#!/bin/sh\n# stand-in for the real " + standIn + " (only its path is checked)\nexit 0\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Inventory inv = Fixtures.ha().build();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn(),
                RenderSettings.defaults().withBinDir(bin.toString()), Components.standard()).renderAll(inv);
        Host w = inv.workers().get(0);
        Path units = Files.createDirectories(tmp.resolve("units/kubelet.service.d")).getParent();
        Files.writeString(units.resolve("kubelet.service"), EndpointTest.text(rc, w, "/etc/systemd/system/kubelet.service"));
        Files.writeString(units.resolve("kubelet.service.d/10-kubeadm.conf"),
                EndpointTest.text(rc, w, "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"));
        Files.writeString(units.resolve("containerd.service"), EndpointTest.text(rc, w, "/etc/systemd/system/containerd.service"));
        TestSupport.Proc verify = TestSupport.run(List.of("systemd-analyze", "verify",
                units.resolve("kubelet.service").toString(), units.resolve("containerd.service").toString()));
        assertEquals(0, verify.exit(), verify.output());
        assertEquals("", verify.output().strip(), "systemd-analyze printed warnings");
        // negative control: the drop-in is really read
        Files.writeString(units.resolve("kubelet.service.d/10-kubeadm.conf"), "[Service]\nExecStart=\nExecStart=relative/kubelet\n");
        assertNotEquals(0, TestSupport.run(List.of("systemd-analyze", "verify", units.resolve("kubelet.service").toString())).exit());
    }

    @Test
    void renderedTreeHasTheModesKubeadmUses() throws IOException {
        Inventory inv = Fixtures.ha().build();
        RenderService svc = new RenderService(TemplateSource.builtIn());
        Path out = tmp.resolve("out");
        OutputTree.write(svc.renderAll(inv), out);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                out.resolve("cp1/etc/kubernetes/manifests/kube-apiserver.yaml"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                out.resolve("w1/var/lib/kubelet/config.yaml"))));
        assertTrue(Files.isRegularFile(out.resolve("cluster/addons/01-cluster-rbac.yaml")));
    }
}
