package io.kubeferry.kube.testsupport;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * What kubeadm's token discovery checks, written here apart from the production signer: the detached JWS of
 * cluster-info's kubeconfig (RFC 7515 appendix F, HS256 keyed by the token secret, the header naming the token id),
 * and the CA pin computed by openssl as kubeadm's documentation does.
 */
public final class KubeadmDiscovery {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KubeadmDiscovery() {
    }

    /** True when {@code detached} is the HS256 signature of {@code content} by this token (DetachedTokenIsValid). */
    public static boolean verifyDetached(String detached, String content, String tokenId, String tokenSecret) {
        String[] parts = detached.split("\\.", -1);
        if (parts.length != 3 || !parts[1].isEmpty()) {
            return false;
        }
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        if (!header.path("alg").asString().equals("HS256") || !header.path("kid").asString().equals(tokenId)) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(tokenSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal((parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(content.getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.US_ASCII));
            return MessageDigest.isEqual(expected, Base64.getUrlDecoder().decode(parts[2]));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * kubeadm's documented pin: {@code openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256},
     * the hex digest of the CA's DER SubjectPublicKeyInfo.
     */
    public static String opensslSpkiSha256(Path caCert) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "openssl x509 -pubkey -noout -in \"$1\" | openssl pkey -pubin -outform der"
                + " | openssl dgst -sha256 -hex", "sh", caCert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.matches("(?s).*= [0-9a-f]{64}")) {
            throw new IllegalStateException("openssl failed: " + out);
        }
        return out.substring(out.lastIndexOf(' ') + 1);
    }
}
