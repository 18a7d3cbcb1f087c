package io.kubeferry.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Signs certificates with kubeadm's X.509 properties (pki_helpers.go): random serial in [1, 2^63-1),
 * KeyUsage DigitalSignature|KeyEncipherment (+CertSign for CAs, critical), BasicConstraints critical,
 * CA SAN = its CN, subject O before CN as Go orders them.
 */
public final class CertIssuer {
    private static final BigInteger MAX_SERIAL = BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE);

    private final SecureRandom random;

    public CertIssuer(SecureRandom random) {
        this.random = random;
    }

    /** A CA certificate and its key, as the cluster uses them for signing. */
    public record Authority(X509CertificateHolder certificate, PrivateKey privateKey) {
    }

    public X509CertificateHolder selfSignedCa(String commonName, KeyPair keys, Instant notBefore, Instant notAfter) {
        X500Name name = subject(commonName, List.of());
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
                    Date.from(notAfter), name, keys.getPublic());
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, commonName)));
            return b.build(signer(keys.getPrivate()));
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public X509CertificateHolder leaf(CertSpec spec, PublicKey publicKey, Authority ca, Instant notBefore,
                                      Instant notAfter) {
        return leaf(spec, publicKey, ca, time(notBefore), time(notAfter));
    }

    /**
     * As {@link #leaf(CertSpec, PublicKey, Authority, Instant, Instant)} with the validity already encoded:
     * encoding a time costs a SimpleDateFormat, so a batch of leaves shares two.
     */
    public X509CertificateHolder leaf(CertSpec spec, PublicKey publicKey, Authority ca, Time notBefore, Time notAfter) {
        try {
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(ca.certificate().getSubject(), serial(),
                    notBefore, notAfter, subject(spec.commonName(), spec.organizations()),
                    SubjectPublicKeyInfo.getInstance(publicKey.getEncoded()));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            // Go lists ServerAuth before ClientAuth
            List<KeyPurposeId> ekus = new ArrayList<>();
            for (ExtKeyUsage u : ExtKeyUsage.values()) {
                if (spec.extKeyUsages().contains(u)) {
                    ekus.add(u.oid());
                }
            }
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ekus.toArray(KeyPurposeId[]::new)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            SubjectKeyIdentifier caSki = SubjectKeyIdentifier.fromExtensions(ca.certificate().getExtensions());
            b.addExtension(Extension.authorityKeyIdentifier, false, caSki != null
                    ? new AuthorityKeyIdentifier(caSki.getKeyIdentifier())
                    : new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate().getSubjectPublicKeyInfo()));
            List<GeneralName> sans = new ArrayList<>();
            spec.dnsNames().forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
            spec.ipAddresses().forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, ip)));
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            return b.build(signer(ca.privateKey()));
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5), whole seconds. */
    public static Time time(Instant instant) {
        return new Time(Date.from(instant), java.util.Locale.ROOT);
    }

    static X500Name subject(String commonName, List<String> organizations) {
        X500NameBuilder n = new X500NameBuilder(BCStyle.INSTANCE);
        organizations.forEach(o -> n.addRDN(BCStyle.O, o));
        n.addRDN(BCStyle.CN, commonName);
        return n.build();
    }

    private BigInteger serial() {
        BigInteger s;
        do {
            s = new BigInteger(63, random);
        } while (s.signum() == 0 || s.compareTo(MAX_SERIAL) >= 0);
        return s;
    }

    private ContentSigner signer(PrivateKey key) {
        try {
            String algorithm = Keys.signatureAlgorithm(key);
            if (key instanceof java.security.interfaces.ECPrivateKey ec) {
                // the two identifiers directly: BC's finders build tables of every algorithm on first use
                boolean sha384 = algorithm.startsWith("SHA384");
                AlgorithmIdentifier sig = new AlgorithmIdentifier(sha384
                        ? X9ObjectIdentifiers.ecdsa_with_SHA384 : X9ObjectIdentifiers.ecdsa_with_SHA256);
                AlgorithmIdentifier digest = new AlgorithmIdentifier(sha384
                        ? NISTObjectIdentifiers.id_sha384 : NISTObjectIdentifiers.id_sha256);
                return new BcECContentSignerBuilder(sig, digest).setSecureRandom(random).build(Keys.lightweight(ec));
            }
            return new JcaContentSignerBuilder(algorithm).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
