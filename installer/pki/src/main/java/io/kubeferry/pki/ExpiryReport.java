package io.kubeferry.pki;

import io.kubeferry.inventory.Inventory;
import org.bouncycastle.cert.X509CertificateHolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** {@code certs check-expiration}: every CA, leaf and kubeconfig client certificate with its expiry. Reads only. */
final class ExpiryReport {
    private interface CertReader {
        X509CertificateHolder read() throws IOException;
    }

    private ExpiryReport() {
    }

    /** CAs first, then the leaves and kubeconfigs of the plan; missing or unreadable ones say so. */
    static List<CertStatus> of(Inventory inventory, Instant now) {
        PkiLayout layout = PkiLayout.of(inventory);
        PkiPlan plan = PkiPlan.of(inventory);
        List<CertStatus> out = new ArrayList<>();
        Map<CaKind, Boolean> external = new EnumMap<>(CaKind.class);
        for (CaKind kind : CaKind.usedBy(inventory)) {
            boolean ext = Files.exists(layout.caCert(kind)) && !Files.exists(layout.caKey(kind));
            external.put(kind, ext);
            out.add(status(kind.certName(), null, layout.caCert(kind), null, ext, now,
                    () -> Pem.readCertificate(Files.readAllBytes(layout.caCert(kind)))));
        }
        for (CertSpec c : plan.certs()) {
            out.add(status(c.name(), c.host(), layout.cert(c), c.signer().certName(), external.get(c.signer()), now,
                    () -> Pem.readCertificate(Files.readAllBytes(layout.cert(c)))));
        }
        for (KubeconfigSpec k : plan.kubeconfigs()) {
            // kubelet.conf: the certificate is in the file it refers to (what Kubeferry wrote; the node's kubelet
            // may have rotated it since)
            Path file = k.referencesClientFile() ? layout.clientCertAndKey(k) : layout.kubeconfig(k);
            out.add(status(k.fileName(), k.host(), file, CaKind.KUBERNETES.certName(),
                    external.get(CaKind.KUBERNETES), now, k.referencesClientFile()
                            ? () -> Pem.readCertificate(Files.readAllBytes(file))
                            : () -> Pem.readCertificate(Kubeconfigs.parse(Files.readAllBytes(file)).clientCertPem())));
        }
        return out;
    }

    private static CertStatus status(String name, String host, Path file, String ca, boolean external, Instant now,
                                     CertReader reader) {
        if (!Files.exists(file)) {
            return new CertStatus(name, host, file, null, null, ca, external, "missing");
        }
        try {
            Instant notAfter = reader.read().getNotAfter().toInstant();
            return new CertStatus(name, host, file, notAfter, Duration.between(now, notAfter), ca, external, null);
        } catch (IOException | IllegalArgumentException e) {
            return new CertStatus(name, host, file, null, null, ca, external, "unreadable: " + e.getMessage());
        }
    }
}
