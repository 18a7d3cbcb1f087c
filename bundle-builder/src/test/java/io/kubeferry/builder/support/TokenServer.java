package io.kubeferry.builder.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Docker-style token service for the registry's {@code auth: token} mode: signs ES256 JWTs (key and self-signed
 * certificate made with openssl, the certificate is the registry's rootcertbundle) granting the requested
 * repository scope. Requests must carry the test user's basic credentials unless {@code anonymousPull} is on.
 */
public final class TokenServer implements AutoCloseable {
    public static final String SERVICE = "kf-registry";
    public static final String ISSUER = "kf-test-issuer";

    private final HttpServer server;
    private final PrivateKey key;
    private final String certDerBase64;
    private final String basic;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    public TokenServer(Path dir, String user, String password) throws Exception {
        Files.createDirectories(dir);
        Processes.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(), "-days", "2",
                "-subj", "/CN=kf-token-test"));
        key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pem(dir.resolve("key.pem"))));
        certDerBase64 = Base64.getEncoder().encodeToString(pem(dir.resolve("cert.pem")));
        basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", this::handle);
        server.start();
    }

    public Path certificate(Path dir) {
        return dir.resolve("cert.pem");
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** "basic" or "anonymous" plus the scope, per token request. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private static byte[] pem(Path p) throws IOException {
        String s = Files.readString(p).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(s);
    }

    private void handle(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String query = ex.getRequestURI().getRawQuery();
        List<String> scopes = new ArrayList<>();
        for (String kv : query == null ? new String[0] : query.split("&")) {
            if (kv.startsWith("scope=")) {
                scopes.add(URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8));
            }
        }
        requests.add((auth == null ? "anonymous" : auth.equals(basic) ? "basic" : "wrong") + " " + scopes);
        if (auth == null || !auth.equals(basic)) {
            ex.sendResponseHeaders(401, -1);
            ex.close();
            return;
        }
        StringBuilder access = new StringBuilder();
        for (String scope : scopes) {
            String[] parts = scope.split(":");
            if (parts.length != 3) {
                continue;
            }
            StringBuilder actions = new StringBuilder();
            for (String a : parts[2].split(",")) {
                actions.append(actions.length() == 0 ? "" : ",").append('"').append(a).append('"');
            }
            access.append(access.length() == 0 ? "" : ",").append("{\"type\":\"").append(parts[0]).append("\",\"name\":\"")
                    .append(parts[1]).append("\",\"actions\":[").append(actions).append("]}");
        }
        long now = System.currentTimeMillis() / 1000;
        String header = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"x5c\":[\"" + certDerBase64 + "\"]}";
        String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"kfuser\",\"aud\":\"" + SERVICE + "\",\"exp\":" + (now + 600)
                + ",\"nbf\":" + (now - 60) + ",\"iat\":" + now + ",\"jti\":\"" + System.nanoTime() + "\",\"access\":[" + access + "]}";
        String signingInput = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(claims.getBytes(StandardCharsets.UTF_8));
        String token;
        try {
            Signature sig = Signature.getInstance("SHA256withECDSA");
            sig.initSign(key);
            sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            token = signingInput + "." + b64(derToJose(sig.sign()));
        } catch (Exception e) {
            throw new IOException(e);
        }
        byte[] body = ("{\"token\":\"" + token + "\",\"expires_in\":600}").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** JWS wants the raw 64-byte r||s, Java gives a DER SEQUENCE of two INTEGERs. */
    static byte[] derToJose(byte[] der) {
        int offset = der[1] == (byte) 0x81 ? 3 : 2;
        int rLen = der[offset + 1];
        BigInteger r = new BigInteger(1, java.util.Arrays.copyOfRange(der, offset + 2, offset + 2 + rLen));
        int sOff = offset + 2 + rLen;
        int sLen = der[sOff + 1];
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(der, sOff + 2, sOff + 2 + sLen));
        byte[] out = new byte[64];
        byte[] rb = r.toByteArray();
        byte[] sb = s.toByteArray();
        System.arraycopy(rb, Math.max(0, rb.length - 32), out, 32 - Math.min(32, rb.length), Math.min(32, rb.length));
        System.arraycopy(sb, Math.max(0, sb.length - 32), out, 64 - Math.min(32, sb.length), Math.min(32, sb.length));
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
