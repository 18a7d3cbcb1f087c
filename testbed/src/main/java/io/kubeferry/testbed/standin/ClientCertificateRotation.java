package io.kubeferry.testbed.standin;

import io.kubeferry.testbed.ExecResult;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * The kubelet's client certificate rotation (rotateCertificates: true), as client-go's certificate manager and file
 * store do it (k8s.io/client-go/util/certificate):
 * <ul>
 *   <li>the current credential is {@code CERT_DIR/kubelet-client-current.pem} (certificate, then key) when it exists,
 *   else the kubeconfig's client-certificate/client-key files;</li>
 *   <li>once it has passed a jittered 70-90 % of its lifetime (notBefore to notAfter) or expired, a new ECDSA P-256
 *   key and a CSR (CN {@code system:node:NAME}, O {@code system:nodes}, signer
 *   {@value #SIGNER}, usages digital signature and client auth, generateName {@code csr-}) are created through the
 *   API with the current credential, and the CSR is watched (polled here) for up to 15 minutes;</li>
 *   <li>its certificate and the key go to {@code CERT_DIR/kubelet-client-YYYY-MM-DD-HH-MM-SS.pem} (0600), and
 *   {@code kubelet-client-current.pem} is repointed as the file store does: a symlink {@code kubelet-client-updated.pem}
 *   to the new file's absolute path, renamed over {@code kubelet-client-current.pem}. A regular file at
 *   {@code kubelet-client-current.pem} makes the update fail with the store's own error ("expected ... to be a
 *   symlink but it is a file"), as it does for the real kubelet.</li>
 * </ul>
 * The CSR is created and read with the real {@code kubectl} and the kubelet's kubeconfig, which refers to
 * kubelet-client-current.pem, so every later call (the Node heartbeat too) uses the new credential.
 */
final class ClientCertificateRotation {
    static final String SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    static final String PREFIX = "kubelet-client";
    static final Duration CHECK = Duration.ofSeconds(3);
    static final Duration CSR_TIMEOUT = Duration.ofMinutes(15);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");

    private final Path certDir;
    private final Path kubeconfig;
    private final String nodeName;
    private final Random random = new SecureRandom();
    /** The certificate whose rotation deadline was drawn, and that deadline (drawn once per certificate). */
    private X509Certificate deadlineFor;
    private Instant deadline;
    private Pending pending;
    private String lastError;

    /** A CSR sent and not answered yet, with the key it is for. */
    private record Pending(String name, KeyPair keys, Instant since) {
    }

    ClientCertificateRotation(Path certDir, Path kubeconfig, String nodeName) {
        this.certDir = certDir;
        this.kubeconfig = kubeconfig;
        this.nodeName = nodeName;
    }

    Path currentPath() {
        return certDir.resolve(PREFIX + "-current.pem");
    }

    /** One step; returns how long to wait before the next. */
    Duration attempt() {
        try {
            if (pending != null) {
                poll();
                return CHECK;
            }
            X509Certificate current = current();
            if (current == null) {
                fail("no client certificate: neither " + currentPath() + " nor the kubeconfig's client-certificate exists");
                return CHECK;
            }
            if (deadlineFor == null || !deadlineFor.equals(current)) {
                deadlineFor = current;
                deadline = rotationDeadline(current, random.nextDouble());
                StandInLog.info("Certificate expiration is " + current.getNotAfter().toInstant() + ", rotation deadline is " + deadline);
            }
            if (Instant.now().isBefore(deadline)) {
                return CHECK;
            }
            StandInLog.info("Rotating certificates");
            request();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            fail("Failed while requesting a signed certificate from the control plane: " + e.getMessage());
        }
        return CHECK;
    }

    /** notBefore + (70 % to 90 %, by {@code jitter} in [0, 1)) of the lifetime, as client-go's nextRotationDeadline. */
    static Instant rotationDeadline(X509Certificate cert, double jitter) {
        Instant notBefore = cert.getNotBefore().toInstant();
        long total = Duration.between(notBefore, cert.getNotAfter().toInstant()).toMillis();
        return notBefore.plusMillis((long) (total * (0.7 + 0.2 * jitter)));
    }

    /** The current certificate (first block of the pair file, or of the kubeconfig's client-certificate), or null. */
    X509Certificate current() throws IOException, GeneralSecurityException {
        Path file = Files.exists(currentPath()) ? currentPath() : kubeconfigClientCertificate();
        if (file == null || !Files.exists(file)) {
            return null;
        }
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(file)));
    }

    private Path kubeconfigClientCertificate() throws IOException {
        if (!Files.isRegularFile(kubeconfig)) {
            return null;
        }
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(kubeconfig));
        if (Manifests.path(doc, "users") instanceof List<?> users && !users.isEmpty()
                && Manifests.path(users.get(0), "user", "client-certificate") instanceof String file) {
            return Path.of(file);
        }
        return null;
    }

    private void request() throws GeneralSecurityException, IOException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = g.generateKeyPair();
        String csr = "{\"apiVersion\":\"certificates.k8s.io/v1\",\"kind\":\"CertificateSigningRequest\",\"metadata\":{\"generateName\":\"csr-\"},"
                + "\"spec\":{\"request\":" + NodeRegistration.q(Base64.getEncoder().encodeToString(pem(csr(keys)).getBytes(StandardCharsets.US_ASCII)))
                + ",\"signerName\":" + NodeRegistration.q(SIGNER) + ",\"usages\":[\"digital signature\",\"client auth\"]}}";
        ExecResult r = kubectl(csr.getBytes(StandardCharsets.UTF_8), "create", "-f", "-", "-o", "jsonpath={.metadata.name}");
        if (!r.ok() || r.stdout().isBlank()) {
            throw new IOException("cannot create certificate signing request: " + (r.stderr() + r.stdout()).strip());
        }
        pending = new Pending(r.stdout().strip(), keys, Instant.now());
        lastError = null;
        StandInLog.info("Waiting for certificate signing request " + pending.name() + " (signer " + SIGNER + ") to be approved and signed");
    }

    private PKCS10CertificationRequest csr(KeyPair keys) throws GeneralSecurityException {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        subject.addRDN(BCStyle.O, "system:nodes");
        subject.addRDN(BCStyle.CN, "system:node:" + nodeName);
        try {
            return new JcaPKCS10CertificationRequestBuilder(subject.build(), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private void poll() throws IOException, GeneralSecurityException {
        Pending p = pending;
        if (Duration.between(p.since(), Instant.now()).compareTo(CSR_TIMEOUT) > 0) {
            pending = null;
            throw new IOException("timed out waiting for certificate signing request " + p.name() + " to be signed");
        }
        ExecResult r = kubectl(null, "get", "certificatesigningrequests.certificates.k8s.io", p.name(), "-o", "json");
        if (!r.ok()) {
            throw new IOException("cannot read certificate signing request " + p.name() + ": " + (r.stderr() + r.stdout()).strip());
        }
        Object csr = new Yaml(new SafeConstructor(new LoaderOptions())).load(r.stdout());
        if (Manifests.path(csr, "status", "conditions") instanceof List<?> conditions) {
            for (Object c : conditions) {
                Object type = Manifests.path(c, "type");
                if ("Denied".equals(type) || "Failed".equals(type)) {
                    pending = null;
                    throw new IOException("certificate signing request " + p.name() + " is " + type + ": " + Manifests.path(c, "message"));
                }
            }
        }
        if (!(Manifests.path(csr, "status", "certificate") instanceof String signed) || signed.isEmpty()) {
            return;
        }
        byte[] certPem = Base64.getDecoder().decode(signed);
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certPem));
        if (!cert.getPublicKey().equals(p.keys().getPublic())) {
            pending = null;
            throw new IOException("the certificate of " + p.name() + " is not for the key the kubelet generated");
        }
        pending = null;
        Path file = update(certPem, ecPrivateKeyPem(p.keys()));
        StandInLog.info("Certificate rotation: " + currentPath() + " -> " + file + " (" + cert.getSubjectX500Principal().getName()
                + ", until " + cert.getNotAfter().toInstant() + "); client connections now use the new credentials");
    }

    /**
     * The file store's Update: the pair in a new dated file (0600), then {@link #updateSymlink}. Returns the new file.
     */
    Path update(byte[] certPem, byte[] keyPem) throws IOException {
        Files.createDirectories(certDir);
        Path file = certDir.resolve(PREFIX + "-" + LocalDateTime.now().format(STAMP) + ".pem");
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        byte[] pair = new byte[certPem.length + keyPem.length];
        System.arraycopy(certPem, 0, pair, 0, certPem.length);
        System.arraycopy(keyPem, 0, pair, certPem.length, keyPem.length);
        Files.write(file, pair, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        updateSymlink(file);
        return file;
    }

    /**
     * As the file store's updateSymlink: 'current' must be absent or a symlink (a regular file is an error), a
     * leftover 'updated' symlink is removed, a new 'updated' symlink to the absolute path is renamed over 'current'.
     * (rename(2) replaces 'current' atomically, so it is not removed first.)
     */
    void updateSymlink(Path file) throws IOException {
        Path current = currentPath();
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(current)) {
            throw new IOException("expected \"" + current + "\" to be a symlink but it is a file");
        }
        Path updated = certDir.resolve(PREFIX + "-updated.pem");
        if (Files.exists(updated, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isSymbolicLink(updated)) {
                throw new IOException("expected \"" + updated + "\" to be a symlink but it is a file");
            }
            Files.delete(updated);
        }
        if (!Files.exists(file)) {
            throw new IOException("file \"" + file + "\" does not exist so it can not be used as the currently selected cert/key");
        }
        Files.createSymbolicLink(updated, file.toAbsolutePath());
        Files.move(updated, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private ExecResult kubectl(byte[] stdin, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(NodeRegistration.kubectl(), "--kubeconfig", kubeconfig.toString(),
                "--request-timeout=10s"));
        cmd.addAll(List.of(args));
        return Commands.run(cmd, stdin, Duration.ofSeconds(30));
    }

    /**
     * SEC1 "EC PRIVATE KEY" with the named curve and the public key inside, as Go's MarshalECPrivateKey (the kubelet's
     * store) writes it: BC's writer takes the JDK's PKCS#8 inner structure, which lacks the curve, and Go then cannot
     * parse the key. (The pki module's Pem does the same; testbed cannot depend on it: reactor cycle.)
     */
    static byte[] ecPrivateKeyPem(KeyPair keys) throws IOException {
        java.security.interfaces.ECPrivateKey ec = (java.security.interfaces.ECPrivateKey) keys.getPrivate();
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(ec.getEncoded());
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki =
                org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(),
                ec.getS(), spki.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters());
        return pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded())).getBytes(StandardCharsets.US_ASCII);
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    private void fail(String message) {
        if (!message.equals(lastError)) {
            StandInLog.error(message);
        }
        lastError = message;
    }

    /** For tests: the CSR waiting for its certificate, or null. */
    String pendingName() {
        return pending == null ? null : pending.name();
    }
}
