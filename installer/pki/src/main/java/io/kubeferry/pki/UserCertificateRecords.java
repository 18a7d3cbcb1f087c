package io.kubeferry.pki;

import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.files.PrivateFiles;
import io.kubeferry.inventory.Inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The client certificates {@code kubeconfig user} issued (public parts only), kept in the state directory under
 * {@code users/<user>/<serial>.crt}: a client certificate cannot be revoked, so {@code kubeconfig revoke} says until
 * when each one stays valid.
 */
public final class UserCertificateRecords {
    /** One issued certificate; {@code groups}: its subject's O values. */
    public record Issued(String serial, Instant notAfter, List<String> groups, Path file) {
    }

    private UserCertificateRecords() {
    }

    public static Path directory(Inventory inventory, String userName) {
        return inventory.stateDir().resolve("users").resolve(UserKubeconfigs.userLabelValue(userName));
    }

    public static void record(Inventory inventory, String userName, byte[] certificatePem) {
        var cert = Pem.readCertificate(certificatePem);
        Path file = directory(inventory, userName).resolve(cert.getSerialNumber().toString(16) + ".crt");
        try {
            PrivateFiles.write(file, certificatePem, 0600, 0700);
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "write", e);
        }
    }

    /** The user's recorded certificates, latest expiry first. */
    public static List<Issued> issued(Inventory inventory, String userName) {
        Path dir = directory(inventory, userName);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Issued> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".crt")).toList()) {
                var cert = Pem.readCertificate(Files.readAllBytes(f));
                List<String> groups = java.util.Arrays.stream(cert.getSubject().getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.O))
                        .map(r -> r.getFirst().getValue().toString()).toList();
                out.add(new Issued(cert.getSerialNumber().toString(16), cert.getNotAfter().toInstant(), groups, f));
            }
        } catch (IOException e) {
            throw LocalIoFailure.of(dir, "read", e);
        }
        out.sort(Comparator.comparing(Issued::notAfter).reversed());
        return out;
    }
}
