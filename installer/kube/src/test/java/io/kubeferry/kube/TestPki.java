package io.kubeferry.kube;

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
import io.kubeferry.kube.testsupport.StandInApiServer;
import io.kubeferry.pki.Kubeconfigs;
import io.kubeferry.pki.PkiLayout;
import io.kubeferry.pki.PkiService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cluster's PKI as the installer generates it (PkiService on a one-control-plane inventory whose endpoint is
 * {@value #ENDPOINT}), and a stand-in API server serving with it on 127.0.0.1. Public for the kubelet stand-in's tests
 * that run the stand-in API server as a static pod (package io.kubeferry.testbed.standin, in this module's tests).
 */
public record TestPki(Path root, Inventory inventory) {
    static final String ENDPOINT = "kube-api.test.internal";

    public static TestPki generate(Path dir, KeyAlgorithm algorithm) {
        Host cp1 = new Host("cp1", "127.0.0.1", "127.0.0.1", null, Set.of(Role.CONTROL_PLANE), Map.of(), List.of());
        Networking net = new Networking(Cidr.parse("10.244.0.0/16").orElseThrow(), Cidr.parse("10.96.0.0/12").orElseThrow(),
                "cluster.local", Networking.Cni.FLANNEL);
        CertificateOptions certs = new CertificateOptions(algorithm, CertificateOptions.DEFAULT_CA_VALIDITY,
                CertificateOptions.DEFAULT_CERT_VALIDITY, List.of());
        ClusterSpec cluster = new ClusterSpec("kubernetes", KubernetesVersion.parse("1.34.1").orElseThrow(),
                new ControlPlaneEndpoint(ENDPOINT, 6443, ControlPlaneEndpoint.Mode.EXTERNAL), net, certs, Map.of(),
                ClusterSpec.DEFAULT_IMAGE_REPOSITORY);
        Inventory inventory = new Inventory(dir.resolve("inventory.yaml"), cluster, List.of(cp1));
        new PkiService().generate(inventory);
        return new TestPki(PkiLayout.of(inventory).root(), inventory);
    }

    byte[] read(String relative) {
        try {
            return Files.readAllBytes(root.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] adminConf() {
        return read("admin.conf");
    }

    byte[] superAdminConf() {
        return read("super-admin.conf");
    }

    /** super-admin.conf for this cluster's server and CA, but with {@code other}'s client certificate and key (a foreign CA's). */
    byte[] kubeconfigWithClientOf(TestPki other, String user) {
        Kubeconfigs.Parsed ours = Kubeconfigs.parse(superAdminConf());
        Kubeconfigs.Parsed theirs = Kubeconfigs.parse(other.superAdminConf());
        return Kubeconfigs.render("kubernetes", ours.server(), ours.caPem(), user, theirs.clientCertPem(), theirs.clientKeyPem());
    }

    /** The kube-apiserver static pod's TLS flags, pointing at this PKI's files (cp1's serving certificate). */
    public Map<String, String> apiServerFlags() {
        return Map.of("bind-address", "127.0.0.1", "secure-port", "0",
                "tls-cert-file", root.resolve("hosts/cp1/apiserver.crt").toString(),
                "tls-private-key-file", root.resolve("hosts/cp1/apiserver.key").toString(),
                "client-ca-file", root.resolve("ca.crt").toString());
    }

    StandInApiServer startApiServer() {
        try {
            return StandInApiServer.fromFlags(apiServerFlags());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }
}
