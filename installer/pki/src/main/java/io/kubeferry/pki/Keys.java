package io.kubeferry.pki;

import io.kubeferry.inventory.KeyAlgorithm;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
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
                    g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"), random);
                }
                case ECDSA_P384 -> {
                    g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp384r1"), random);
                }
                default -> throw new IllegalArgumentException(algorithm.toString());
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make " + algorithm.yamlName() + " keys", e);
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

    /** True when the private key belongs to the public key (sign and verify a probe). */
    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            String alg = "RSA".equals(publicKey.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
            byte[] probe = "kubeferry key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(privateKey);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(publicKey);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
