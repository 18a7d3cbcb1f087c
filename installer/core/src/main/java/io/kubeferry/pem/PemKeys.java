package io.kubeferry.pem;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM that kubeconfigs and kube-apiserver flags carry: certificates, and private keys in the three
 * encodings Kubernetes tools write ("RSA PRIVATE KEY" PKCS#1, "EC PRIVATE KEY" SEC1, "PRIVATE KEY" PKCS#8).
 * The JDK reads only PKCS#8, so the traditional encodings are wrapped into PKCS#8 here (a few DER bytes)
 * instead of pulling Bouncy Castle into the module. (Moved from kube's {@code io.kubeferry.kube.PemKeys} so that
 * the inventory loader can check the files of an external etcd; that copy is to go.)
 */
public final class PemKeys {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
    private static final byte[] OID_RSA = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    private static final byte[] OID_EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemKeys() {
    }

    /** Every CERTIFICATE block, in order. */
    public static List<X509Certificate> certificates(byte[] pem, String what) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(pem)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + ": not a readable X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(what + ": no CERTIFICATE block in the PEM data");
        }
        return out;
    }

    /** The first private key block, whatever its encoding; an encrypted key is refused in words. */
    public static PrivateKey privateKey(byte[] pem, String what) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        if (text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")) {
            throw new IllegalArgumentException(what + ": an encrypted key; give an unencrypted copy"
                    + " (openssl pkey -in KEY -out PLAIN), the installer cannot ask for its passphrase");
        }
        for (Block b : blocks(pem)) {
            try {
                switch (b.type()) {
                    case "PRIVATE KEY":
                        return pkcs8(b.der());
                    case "RSA PRIVATE KEY":
                        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                                pkcs8Wrap(seq(OID_RSA, new byte[]{0x05, 0x00}), b.der())));
                    case "EC PRIVATE KEY":
                        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                                pkcs8Wrap(seq(OID_EC_PUBLIC_KEY, sec1CurveOid(b.der(), what)), b.der())));
                    default:
                        break;
                }
            } catch (GeneralSecurityException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException(what + ": the " + b.type() + " block is not a readable key: " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(what + ": no private key block (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    /** True when the private key signs what the public key (a certificate's) verifies: the two are one pair. */
    public static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // keys of different types: not a pair
        }
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // next algorithm
            }
        }
        throw new GeneralSecurityException("PKCS#8 key of an unsupported algorithm");
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(byte[] pem) {
        Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
        List<Block> out = new ArrayList<>();
        while (m.find()) {
            out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
        }
        return out;
    }

    /** PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING key }. */
    private static byte[] pkcs8Wrap(byte[] algorithmIdentifier, byte[] key) {
        return tlv(0x30, concat(new byte[]{0x02, 0x01, 0x00}, algorithmIdentifier, tlv(0x04, key)));
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    /** SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING, [0] OID curve, [1] BIT STRING }; returns the curve OID TLV. */
    private static byte[] sec1CurveOid(byte[] der, String what) {
        int[] pos = {0};
        readHeader(der, pos, 0x30);
        int end = der.length;
        while (pos[0] < end) {
            int tag = der[pos[0]] & 0xff;
            int len = readHeader(der, pos, tag);
            if (tag == 0xa0) {
                return Arrays.copyOfRange(der, pos[0], pos[0] + len);
            }
            pos[0] += len;
        }
        throw new IllegalArgumentException(what + ": the EC PRIVATE KEY does not name its curve");
    }

    /** Reads tag and length at pos; leaves pos at the content; returns the content length. */
    private static int readHeader(byte[] der, int[] pos, int expectedTag) {
        if ((der[pos[0]] & 0xff) != expectedTag) {
            throw new IllegalArgumentException("unexpected DER tag " + (der[pos[0]] & 0xff));
        }
        int p = pos[0] + 1;
        int len = der[p++] & 0xff;
        if (len > 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[p++] & 0xff);
            }
        }
        pos[0] = p;
        return len;
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
