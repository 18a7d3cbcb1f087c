package io.kubeferry.pki;

import io.kubeferry.inventory.KeyAlgorithm;

import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Optional;

/** Key generation and key facts, with the JDK's providers (no global provider registration). */
public final class Keys {
    private Keys() {
    }

    public static KeyPair generate(KeyAlgorithm algorithm, SecureRandom random) {
        try {
            KeyPairGenerator g;
            switch (algorithm) {
                case RSA_2048, RSA_3072, RSA_4096 -> {
                    g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(new RSAKeyGenParameterSpec(rsaBits(algorithm), RSAKeyGenParameterSpec.F4), random);
                }
                case ECDSA_P256 -> {
                    return generateEc(P256, random);
                }
                case ECDSA_P384 -> {
                    return generateEc(P384, random);
                }
                default -> throw new IllegalArgumentException(algorithm.toString());
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make " + algorithm.yamlName() + " keys", e);
        }
    }

    // Bouncy Castle's lightweight EC code for the curves: its fixed-point comb tables make key generation and
    // signing several times cheaper than the JDK's, above all before the JIT has warmed up (a CLI run).
    private static final ECNamedDomainParameters P256 = new ECNamedDomainParameters(SECObjectIdentifiers.secp256r1,
            CustomNamedCurves.getByOID(SECObjectIdentifiers.secp256r1));
    private static final ECNamedDomainParameters P384 = new ECNamedDomainParameters(SECObjectIdentifiers.secp384r1,
            CustomNamedCurves.getByOID(SECObjectIdentifiers.secp384r1));

    private static KeyPair generateEc(ECNamedDomainParameters curve, SecureRandom random) throws GeneralSecurityException {
        ECKeyPairGenerator g = new ECKeyPairGenerator();
        g.init(new ECKeyGenerationParameters(curve, random));
        AsymmetricCipherKeyPair kp = g.generateKeyPair();
        try {
            KeyFactory f = KeyFactory.getInstance("EC");
            return new KeyPair(
                    f.generatePublic(new X509EncodedKeySpec(SubjectPublicKeyInfoFactory
                            .createSubjectPublicKeyInfo(kp.getPublic()).getEncoded())),
                    f.generatePrivate(new PKCS8EncodedKeySpec(privateKeyInfo(curve, kp).getEncoded())));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PKCS#8 with the public point we already have (BC's factory would multiply it out again). */
    private static PrivateKeyInfo privateKeyInfo(ECNamedDomainParameters curve, AsymmetricCipherKeyPair kp)
            throws java.io.IOException {
        ECPrivateKeyParameters priv = (ECPrivateKeyParameters) kp.getPrivate();
        ECPublicKeyParameters pub = (ECPublicKeyParameters) kp.getPublic();
        return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve.getName()),
                new org.bouncycastle.asn1.sec.ECPrivateKey(curve.getN().bitLength(), priv.getD(),
                        new DERBitString(pub.getQ().getEncoded(false)), curve.getName()));
    }

    /**
     * The EC private key as Bouncy Castle lightweight parameters on the shared curve objects above, so signing
     * reuses their precomputed tables.
     */
    static AsymmetricKeyParameter lightweight(java.security.interfaces.ECPrivateKey key) {
        int bits = key.getParams().getCurve().getField().getFieldSize();
        if (bits == 256 || bits == 384) {
            ECNamedDomainParameters curve = bits == 256 ? P256 : P384;
            if (curve.getN().equals(key.getParams().getOrder())) {
                return new ECPrivateKeyParameters(key.getS(), curve);
            }
        }
        try {
            return PrivateKeyFactory.createKey(key.getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int rsaBits(KeyAlgorithm a) {
        return switch (a) {
            case RSA_2048 -> 2048;
            case RSA_3072 -> 3072;
            case RSA_4096 -> 4096;
            default -> throw new IllegalArgumentException(a.toString());
        };
    }

    /** Which of the supported algorithms this public key is, if any. */
    public static Optional<KeyAlgorithm> algorithmOf(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return switch (rsa.getModulus().bitLength()) {
                case 2048 -> Optional.of(KeyAlgorithm.RSA_2048);
                case 3072 -> Optional.of(KeyAlgorithm.RSA_3072);
                case 4096 -> Optional.of(KeyAlgorithm.RSA_4096);
                default -> Optional.empty();
            };
        }
        if (key instanceof ECPublicKey ec) {
            return switch (ec.getParams().getCurve().getField().getFieldSize()) {
                case 256 -> Optional.of(KeyAlgorithm.ECDSA_P256);
                case 384 -> Optional.of(KeyAlgorithm.ECDSA_P384);
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }

    /** {@code RSA-2048}, {@code ECDSA-P256}, or the JDK's algorithm name for anything else. */
    public static String describe(PublicKey key) {
        return algorithmOf(key).map(KeyAlgorithm::yamlName).orElse(key.getAlgorithm());
    }

    /** The signature algorithm a CA with this key signs with (Go's choice: SHA-384 for P-384). */
    static String signatureAlgorithm(PrivateKey caKey) {
        if ("RSA".equals(caKey.getAlgorithm())) {
            return "SHA256withRSA";
        }
        if (caKey instanceof java.security.interfaces.ECPrivateKey ec
                && ec.getParams().getCurve().getField().getFieldSize() > 256) {
            return "SHA384withECDSA";
        }
        return "SHA256withECDSA";
    }

    /** True when the private key belongs to the public key (sign and verify a probe): core's one check. */
    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        return io.kubeferry.pem.PemKeys.matches(privateKey, publicKey);
    }
}
