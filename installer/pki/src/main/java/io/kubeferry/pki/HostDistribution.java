package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.EtcdSettings;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Who gets which PKI file: control-plane nodes the CA keys (when Kubeferry has them), sa.key, their apiserver
 * certificate and kubeconfigs (super-admin.conf only on the first control-plane node, as kubeadm init); etcd
 * members their etcd certificates (with an external etcd, control-plane nodes get the user's etcd CA and client
 * pair instead); every node {@code ca.crt} and its own {@code kubelet.conf}. Reads only.
 */
final class HostDistribution {
    /** kubeadm's base name of the API server's etcd client pair. */
    static final String APISERVER_ETCD_CLIENT = "apiserver-etcd-client";

    private HostDistribution() {
    }

    /** The files one host gets, with the state-directory file each comes from. */
    static List<PkiFile> filesFor(Inventory inventory, Host host) {
        PkiLayout layout = PkiLayout.of(inventory);
        PkiPlan plan = PkiPlan.of(inventory);
        List<PkiFile> files = new ArrayList<>();
        List<Problem> missing = new ArrayList<>();
        Function<Path, byte[]> read = p -> {
            try {
                return Files.readAllBytes(p);
            } catch (IOException e) {
                missing.add(Problem.error(p.toString(), "missing or unreadable (" + e.getMessage()
                        + "); run 'installer certs generate'"));
                return new byte[0];
            }
        };
        boolean controlPlane = host.isControlPlane();
        boolean etcdMember = inventory.etcdMembers().stream().anyMatch(h -> h.name().equals(host.name()));
        boolean node = inventory.nodes().stream().anyMatch(h -> h.name().equals(host.name()));

        if (controlPlane || node) {
            addCa(files, layout, CaKind.KUBERNETES, controlPlane, read);
        }
        if (controlPlane) {
            addCa(files, layout, CaKind.FRONT_PROXY, true, read);
        }
        Optional<EtcdSettings.External> externalEtcd = inventory.cluster().etcd().external();
        if (externalEtcd.isPresent() && controlPlane) {
            // the user's etcd: their CA and client pair at kubeadm's paths, so the apiserver's flags stay kubeadm's
            EtcdSettings.External e = externalEtcd.get();
            files.add(file(PkiLayout.hostCertPath(CaKind.ETCD.baseName()), e.caFile(), PkiLayout.CERT_MODE, read));
            files.add(file(PkiLayout.hostCertPath(APISERVER_ETCD_CLIENT), e.certFile(), PkiLayout.CERT_MODE, read));
            files.add(file(PkiLayout.hostKeyPath(APISERVER_ETCD_CLIENT), e.keyFile(), PkiLayout.KEY_MODE, read));
        } else if (controlPlane || etcdMember) {
            addCa(files, layout, CaKind.ETCD, controlPlane, read);
        }
        for (CertSpec c : plan.certs()) {
            // every leaf is per host (kubeadm makes even the client certificates on each node)
            if (host.name().equals(c.host())) {
                files.add(file(PkiLayout.hostCertPath(c.baseName()), layout.cert(c), PkiLayout.CERT_MODE, read));
                files.add(file(PkiLayout.hostKeyPath(c.baseName()), layout.key(c), PkiLayout.KEY_MODE, read));
            }
        }
        if (controlPlane) {
            files.add(file(PkiLayout.HOST_PKI_DIR + "/sa.key", layout.saKey(), PkiLayout.KEY_MODE, read));
            files.add(file(PkiLayout.HOST_PKI_DIR + "/sa.pub", layout.saPub(), PkiLayout.KEY_MODE, read));
        }
        boolean firstControlPlane = controlPlane && inventory.controlPlanes().get(0).name().equals(host.name());
        for (KubeconfigSpec k : plan.kubeconfigs()) {
            boolean mine = k.host() != null ? k.host().equals(host.name()) : switch (k.fileName()) {
                case "admin.conf" -> controlPlane;
                case "super-admin.conf" -> firstControlPlane;
                default -> false; // admin-external.conf is for the operator's machine
            };
            if (mine) {
                if (k.referencesClientFile()) {
                    // before the kubeconfig that refers to it (written once: PkiService.isWriteOnce)
                    files.add(file(PkiLayout.KUBELET_CLIENT_CURRENT, layout.clientCertAndKey(k), PkiLayout.KEY_MODE, read));
                }
                files.add(file(PkiLayout.hostKubeconfigPath(k.fileName()), layout.kubeconfig(k), PkiLayout.KEY_MODE, read));
            }
        }
        if (!missing.isEmpty()) {
            throw new BadInputException(missing);
        }
        return files;
    }

    private static PkiFile file(String hostPath, Path source, int mode, Function<Path, byte[]> read) {
        return new PkiFile(new HostFile(hostPath, read.apply(source), mode), source);
    }

    private static void addCa(List<PkiFile> files, PkiLayout layout, CaKind kind, boolean withKey,
                              Function<Path, byte[]> read) {
        files.add(file(PkiLayout.hostCertPath(kind.baseName()), layout.caCert(kind), PkiLayout.CERT_MODE, read));
        // an external CA's key is not ours to ship (and not here)
        if (withKey && Files.exists(layout.caKey(kind))) {
            files.add(file(PkiLayout.hostKeyPath(kind.baseName()), layout.caKey(kind), PkiLayout.KEY_MODE, read));
        }
    }
}
