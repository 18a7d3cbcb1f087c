package io.kubeferry.pki;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * PEM as kubeadm writes it: "CERTIFICATE", keys in the traditional "RSA PRIVATE KEY" / "EC PRIVATE KEY"
 * forms, public keys as PKIX "PUBLIC KEY". Read errors are {@link IllegalArgumentException}s whose message
 * says what was expected.
 */
public final class Pem {
    private Pem() {
    }

    public static byte[] encode(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] encodeCertificate(X509CertificateHolder cert) {
        return encode(cert);
    }

    /**
     * RSA as PKCS#1 "RSA PRIVATE KEY"; EC as SEC1 "EC PRIVATE KEY" with the named curve and the public key
     * inside, as Go's MarshalECPrivateKey writes it (the JDK's PKCS#8 form leaves the curve out of the inner
     * structure, which openssl cannot read).
     */
    public static byte[] encodePrivateKey(java.security.KeyPair keys) {
        PrivateKey key = keys.getPrivate();
        if (key instanceof java.security.interfaces.ECPrivateKey ec) {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                    ec.getParams().getOrder().bitLength(), ec.getS(), spki.getPublicKeyData(),
                    info.getPrivateKeyAlgorithm().getParameters());
            try {
                return encode(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return encode(key);
    }

    public static byte[] encodePublicKey(PublicKey key) {
        return encode(key);
    }

    /** The first certificate in the PEM text. */
    public static X509CertificateHolder readCertificate(byte[] pem) {
        Object o = readFirst(pem, X509CertificateHolder.class);
        return (X509CertificateHolder) o;
    }

    public static PrivateKey readPrivateKey(byte[] pem) {
        Object o = readFirst(pem, null);
        try {
            JcaPEMKeyConverter c = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                return c.getPrivateKey(kp.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return c.getPrivateKey(info);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("unsupported private key: " + e.getMessage());
        }
        throw new IllegalArgumentException("no unencrypted private key in PEM form (found "
                + (o == null ? "nothing" : o.getClass().getSimpleName()) + ")");
    }

    /**
     * The key pair of a private key in traditional or PKCS#8 form (what {@code openssl genpkey} writes). The
     * public half is derived when the file does not carry it, so it is never null.
     */
    public static java.security.KeyPair readKeyPair(byte[] pem) {
        Object o = readFirst(pem, null);
        try {
            JcaPEMKeyConverter c = new JcaPEMKeyConverter();
            PrivateKeyInfo info;
            if (o instanceof PEMKeyPair kp) {
                if (kp.getPublicKeyInfo() != null) {
                    return new java.security.KeyPair(c.getPublicKey(kp.getPublicKeyInfo()), c.getPrivateKey(kp.getPrivateKeyInfo()));
                }
                info = kp.getPrivateKeyInfo();
            } else if (o instanceof PrivateKeyInfo i) {
                info = i;
            } else {
                throw new IllegalArgumentException("no unencrypted private key in PEM form");
            }
            PrivateKey key = c.getPrivateKey(info);
            return new java.security.KeyPair(derivePublic(key, info), key);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("unsupported private key: " + e.getMessage());
        }
    }

    private static PublicKey derivePublic(PrivateKey key, PrivateKeyInfo info)
            throws IOException, java.security.GeneralSecurityException {
        if (key instanceof java.security.interfaces.RSAPrivateCrtKey rsa) {
            return java.security.KeyFactory.getInstance("RSA").generatePublic(
                    new java.security.spec.RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        }
        if (key instanceof java.security.interfaces.ECPrivateKey) {
            org.bouncycastle.asn1.sec.ECPrivateKey ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
            var params = info.getPrivateKeyAlgorithm();
            byte[] point;
            if (ec.getPublicKey() != null) {
                point = ec.getPublicKey().getOctets();
            } else {
                var x9 = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByOID(
                        org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(params.getParameters()));
                point = x9.getG().multiply(ec.getKey()).normalize().getEncoded(false);
            }
            SubjectPublicKeyInfo spki = new SubjectPublicKeyInfo(params, point);
            return new JcaPEMKeyConverter().getPublicKey(spki);
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
    }

    public static PublicKey readPublicKey(byte[] pem) {
        Object o = readFirst(pem, SubjectPublicKeyInfo.class);
        try {
            return new JcaPEMKeyConverter().getPublicKey((SubjectPublicKeyInfo) o);
        } catch (IOException e) {
            throw new IllegalArgumentException("unsupported public key: " + e.getMessage());
        }
    }

    /** The first block of the {@code expected} type; null: the first that is not a certificate (a key, also after one). */
    private static Object readFirst(byte[] pem, Class<?> expected) {
        try (PEMParser p = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (expected == null ? !(o instanceof X509CertificateHolder) : expected.isInstance(o)) {
                    return o;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not valid PEM: " + e.getMessage());
        }
        throw new IllegalArgumentException(expected == X509CertificateHolder.class ? "no CERTIFICATE block in PEM form"
                : expected == SubjectPublicKeyInfo.class ? "no PUBLIC KEY block in PEM form" : "no private key block in PEM form");
    }
}
