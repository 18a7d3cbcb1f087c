package io.kubeferry.testbed.standin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/** The kubelet stand-in's certificate store and rotation deadline, against client-go's rules (real openssl for the pair). */
class ClientCertificateRotationTest {
    @TempDir
    Path dir;

    private X509Certificate selfSigned(Path keyOut, Path certOut, int days) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/O=system:nodes/CN=system:node:n1", "-days", Integer.toString(days), "-keyout", keyOut.toString(),
                "-out", certOut.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certOut)));
    }

    @Test
    void theDeadlineIsSeventyToNinetyPercentOfTheLifetime() throws Exception {
        X509Certificate cert = selfSigned(dir.resolve("k"), dir.resolve("c"), 10);
        Instant notBefore = cert.getNotBefore().toInstant();
        long life = Duration.between(notBefore, cert.getNotAfter().toInstant()).toMillis();
        assertEquals(notBefore.plusMillis((long) (life * 0.7)), ClientCertificateRotation.rotationDeadline(cert, 0));
        assertEquals(notBefore.plusMillis((long) (life * 0.8)), ClientCertificateRotation.rotationDeadline(cert, 0.5));
        assertTrue(ClientCertificateRotation.rotationDeadline(cert, 0.999999).isBefore(notBefore.plusMillis((long) (life * 0.9) + 1)));
    }

    @Test
    void anUpdateWritesADatedPairAndRepointsTheCurrentSymlinkButNeverOverARegularFile() throws Exception {
        Path certDir = dir.resolve("pki");
        ClientCertificateRotation store = new ClientCertificateRotation(certDir, dir.resolve("kubelet.conf"), "n1");
        X509Certificate cert = selfSigned(dir.resolve("key.pem"), dir.resolve("cert.pem"), 1);
        byte[] certPem = Files.readAllBytes(dir.resolve("cert.pem"));
        byte[] keyPem = Files.readAllBytes(dir.resolve("key.pem"));

        // a regular file where the symlink belongs (a plain install's layout): the store refuses, as client-go's
        Files.createDirectories(certDir);
        Files.write(store.currentPath(), certPem);
        IOException refused = assertThrows(IOException.class, () -> store.update(certPem, keyPem));
        assertEquals("expected \"" + store.currentPath() + "\" to be a symlink but it is a file", refused.getMessage());
        Files.delete(store.currentPath());

        Path first = store.update(certPem, keyPem);
        assertTrue(first.getFileName().toString().matches("kubelet-client-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.pem"), first.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first)));
        assertTrue(Files.isSymbolicLink(store.currentPath()));
        assertEquals(first.toAbsolutePath(), Files.readSymbolicLink(store.currentPath()));
        assertEquals(cert, store.current());
        // a leftover 'updated' symlink of an interrupted rotation is replaced; the next update repoints 'current'
        Files.createSymbolicLink(certDir.resolve("kubelet-client-updated.pem"), dir.resolve("gone.pem"));
        Thread.sleep(1100);
        Path second = store.update(certPem, keyPem);
        assertNotEquals(first, second);
        assertEquals(second.toAbsolutePath(), Files.readSymbolicLink(store.currentPath()));
        assertFalse(Files.exists(certDir.resolve("kubelet-client-updated.pem"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(first), "older pairs stay, as the kubelet leaves them");
    }

    /** The key goes in SEC1 form with its curve, as Go writes and reads it (openssl ec needs the curve as well). */
    @Test
    void theKeyIsWrittenAsSec1WithItsCurve() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair keys = g.generateKeyPair();
        Path key = Files.write(dir.resolve("key.pem"), ClientCertificateRotation.ecPrivateKeyPem(keys));
        assertTrue(Files.readString(key).startsWith("-----BEGIN EC PRIVATE KEY-----"));
        Process p = new ProcessBuilder("openssl", "ec", "-in", key.toString(), "-noout", "-text").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("ASN1 OID: prime256v1"), out);
    }
}
