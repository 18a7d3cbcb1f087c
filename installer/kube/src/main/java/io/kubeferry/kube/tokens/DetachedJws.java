package io.kubeferry.kube.tokens;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * The detached JWS (RFC 7515 appendix F) Kubernetes' bootstrap signer puts in cluster-info as
 * {@code jws-kubeconfig-<token id>}: HS256 with the token's secret as key, the protected header
 * {@code {"alg":"HS256","kid":"<token id>"}} (go-jose's field order), the payload left out: {@code header..signature}.
 * kubeadm's token discovery recomputes it from the kubeconfig it downloaded and the token it was given.
 */
public final class DetachedJws {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private DetachedJws() {
    }

    public static String sign(String content, String keyId, byte[] key) {
        String header = B64URL.encodeToString(("{\"alg\":\"HS256\",\"kid\":\"" + keyId + "\"}").getBytes(StandardCharsets.UTF_8));
        String signingInput = header + "." + B64URL.encodeToString(content.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return header + ".." + B64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
