package io.kubeferry.render;

import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Cidr;
import io.kubeferry.inventory.ClusterSpec;
import io.kubeferry.inventory.ControlPlaneEndpoint;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KubernetesVersion;
import io.kubeferry.inventory.Networking;
import io.kubeferry.inventory.Role;
import io.kubeferry.inventory.Taint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Builds inventories for render tests (records directly, no YAML). */
final class Fixtures {
    static final String VIP = "10.20.0.100";
    static final String PROXY_NAME = ControlPlaneEndpoint.DEFAULT_LOCAL_PROXY_NAME;

    private String version = "1.34.1";
    private ControlPlaneEndpoint endpoint = new ControlPlaneEndpoint(VIP, 6443, ControlPlaneEndpoint.Mode.EXTERNAL);
    private Map<String, Map<String, String>> extraArgs = Map.of();
    private int controlPlanes = 3;
    private int workers = 2;
    private String podSubnet = "10.244.0.0/16";
    private Networking.Cni cni = Networking.Cni.FLANNEL;
    private EtcdSettings etcd = EtcdSettings.STATIC_POD;
    private int etcdHosts = 0;

    static Fixtures ha() {
        return new Fixtures();
    }

    Fixtures version(String v) {
        this.version = v;
        return this;
    }

    Fixtures localProxy() {
        this.endpoint = new ControlPlaneEndpoint(PROXY_NAME, 6443, ControlPlaneEndpoint.Mode.LOCAL_PROXY);
        return this;
    }

    Fixtures endpoint(ControlPlaneEndpoint e) {
        this.endpoint = e;
        return this;
    }

    Fixtures extraArgs(Map<String, Map<String, String>> args) {
        this.extraArgs = args;
        return this;
    }

    Fixtures podSubnet(String s) {
        this.podSubnet = s;
        return this;
    }

    Fixtures cni(Networking.Cni c) {
        this.cni = c;
        return this;
    }

    /** etcd as host services on {@code count} hosts of their own, e1.. at 10.20.0.31.. */
    Fixtures etcdHostService(int count) {
        this.etcd = new EtcdSettings(EtcdSettings.Mode.HOST_SERVICE, Optional.empty());
        this.etcdHosts = count;
        return this;
    }

    /** The user's etcd at three endpoints (the files are not read by rendering). */
    Fixtures externalEtcd() {
        this.etcd = new EtcdSettings(EtcdSettings.Mode.EXTERNAL, Optional.of(new EtcdSettings.External(
                List.of("https://10.30.0.11:2379", "https://10.30.0.12:2379", "https://etcd-3.example.com:2379"),
                Path.of("/nonexistent/etcd-ca.crt"), Path.of("/nonexistent/client.crt"), Path.of("/nonexistent/client.key"))));
        return this;
    }

    Fixtures size(int cps, int ws) {
        this.controlPlanes = cps;
        this.workers = ws;
        return this;
    }

    Inventory build() {
        List<Host> hosts = new ArrayList<>();
        for (int i = 1; i <= controlPlanes; i++) {
            hosts.add(new Host("cp" + i, "10.20.0." + (10 + i), "10.20.0." + (10 + i), null,
                    Set.of(Role.CONTROL_PLANE), Map.of(), List.of()));
        }
        for (int i = 1; i <= workers; i++) {
            Map<String, String> labels = i == 1 ? Map.of("example.com/disk", "ssd") : Map.of();
            List<Taint> taints = i == 2 ? List.of(new Taint("dedicated", "batch", "NoSchedule")) : List.of();
            hosts.add(new Host("w" + i, "10.20.0." + (20 + i), "10.20.0." + (20 + i), null,
                    Set.of(Role.WORKER), labels, taints));
        }
        for (int i = 1; i <= etcdHosts; i++) {
            hosts.add(new Host("e" + i, "10.20.0." + (30 + i), "10.20.0." + (30 + i), null, Set.of(Role.ETCD), Map.of(), List.of()));
        }
        Networking net = new Networking(podSubnet == null ? null : Cidr.parse(podSubnet).orElseThrow(),
                Cidr.parse(Networking.DEFAULT_SERVICE_SUBNET).orElseThrow(), Networking.DEFAULT_DNS_DOMAIN, cni);
        ClusterSpec spec = new ClusterSpec("kubernetes", KubernetesVersion.parse(version).orElseThrow(), endpoint, net,
                CertificateOptions.defaults(), extraArgs, ClusterSpec.DEFAULT_IMAGE_REPOSITORY, etcd);
        return new Inventory(Path.of("/nonexistent/inventory.yaml"), spec, hosts);
    }
}
