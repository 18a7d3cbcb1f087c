package io.kubeferry.install;

import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Addresses;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.pem.ClientTls;
import io.kubeferry.pki.CaKind;
import io.kubeferry.pki.PkiLayout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * etcd's membership through its v3 JSON gateway ({@code POST /v3/cluster/member/...}) on one member's client port,
 * over TLS with the etcd CA and a healthcheck client certificate of the state directory. The TCP connection goes
 * to {@code dial} (an SSH forward through that member's own connection), the TLS checks the member's own name, as
 * {@link EtcdHealthProbe} does. Member IDs are uint64, kept as the decimal strings the gateway writes.
 */
final class EtcdMembers {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TIMEOUT_MILLIS = 15_000;
    private static final int MAX_ANSWER = 1024 * 1024;
    private static final int SNAPSHOT_TIMEOUT_MILLIS = 120_000;
    /** etcd sends 32 KiB chunks: about 44 KiB of base64 a line. */
    private static final int MAX_CHUNK_LINE = 8 * 1024 * 1024;

    /** One member as etcd lists it; an added member not started yet has no name. */
    record Member(String id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
        boolean started() {
            return !name.isEmpty();
        }
    }

    /** An etcd error answer (HTTP status and etcd's message). */
    static final class EtcdError extends UnexpectedStateException {
        EtcdError(String message) {
            super(message);
        }

        /** etcd refuses to promote a learner that has not caught up with the leader yet: retry. */
        boolean notInSync() {
            return getMessage().contains("in sync with leader") || getMessage().contains("not ready");
        }
    }

    private final SSLContext tls;
    private final URI endpoint;
    private final InetSocketAddress dial;

    EtcdMembers(SSLContext tls, URI endpoint, InetSocketAddress dial) {
        this.tls = tls;
        this.endpoint = endpoint;
        this.dial = dial;
    }

    /** Through an SSH forward of {@code member}'s own connection to its client URL. */
    static EtcdMembers through(Inventory inventory, Host member, RemoteHost remote) {
        int port = remote.forwardLocalPort(member.internalAddress(), 2379);
        return new EtcdMembers(tls(inventory), URI.create(Addresses.httpsUrl(member.internalAddress(), 2379)),
                new InetSocketAddress("127.0.0.1", port));
    }

    /** The etcd CA and the first member's healthcheck client of the state directory (all are signed by that CA). */
    static SSLContext tls(Inventory inventory) {
        PkiLayout pki = PkiLayout.of(inventory);
        for (Host m : inventory.etcdMembers()) {
            Path dir = pki.root().resolve("hosts").resolve(m.name()).resolve("etcd");
            Path crt = dir.resolve("healthcheck-client.crt");
            Path key = dir.resolve("healthcheck-client.key");
            if (Files.isRegularFile(crt) && Files.isRegularFile(key)) {
                return ClientTls.of(read(pki.caCert(CaKind.ETCD)), read(crt), read(key), "etcd healthcheck client " + dir);
            }
        }
        throw new UnexpectedStateException("no etcd healthcheck client certificate in " + pki.root()
                + "/hosts/*/etcd: run the plan phase (installer apply) first");
    }

    URI endpoint() {
        return endpoint;
    }

    List<Member> list() {
        return members(call("/v3/cluster/member/list", JSON.createObjectNode()).path("members"));
    }

    /** The member just added and every member after the add, as etcd answers. */
    record Added(Member member, List<Member> members) {
    }

    Added addLearner(String peerUrl) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("peerURLs").add(peerUrl);
        body.put("isLearner", true);
        JsonNode answer = call("/v3/cluster/member/add", body);
        return new Added(member(answer.path("member")), members(answer.path("members")));
    }

    void promote(String id) {
        ObjectNode body = JSON.createObjectNode();
        body.put("ID", id);
        call("/v3/cluster/member/promote", body);
    }

    void remove(String id) {
        ObjectNode body = JSON.createObjectNode();
        body.put("ID", id);
        call("/v3/cluster/member/remove", body);
    }

    /** True when this member answers {@code /health} as healthy (it is part of a cluster that has its quorum). */
    boolean healthy() {
        return EtcdHealthProbe.problem(tls, endpoint, dial, "") == null;
    }

    static Optional<Member> byPeerUrl(List<Member> members, String peerUrl) {
        return members.stream().filter(m -> m.peerUrls().contains(peerUrl)).findFirst();
    }

    /**
     * The {@code --initial-cluster} a new member starts with, made as {@code etcdctl member add} makes it: every
     * member's peer URLs under its name, the new (not yet started, so nameless) member under its own name. Another
     * member not started yet stays in, nameless (etcd checks that the member count matches the cluster's).
     */
    static String initialCluster(List<Member> members, String newId, String newName) {
        List<String> parts = new ArrayList<>();
        for (Member m : members) {
            String name = m.id().equals(newId) ? newName : m.name();
            for (String u : m.peerUrls()) {
                parts.add(name + "=" + u);
            }
        }
        return String.join(",", parts);
    }

    static String peerUrl(Host member) {
        return Addresses.httpsUrl(member.internalAddress(), 2380);
    }

    private static List<Member> members(JsonNode array) {
        List<Member> out = new ArrayList<>();
        for (JsonNode m : array) {
            out.add(member(m));
        }
        return out;
    }

    private static Member member(JsonNode m) {
        return new Member(m.path("ID").asString(""), m.path("name").asString(""), strings(m.path("peerURLs")),
                strings(m.path("clientURLs")), m.path("isLearner").asBoolean(false));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    /**
     * A snapshot of etcd's database ({@code POST /v3/maintenance/snapshot}, as {@code etcdctl snapshot save}) streamed
     * into {@code out} (never held in memory): the gateway's answer is one JSON message per line, each a base64 chunk;
     * etcd's last chunk is the sha256 of all before it, checked here (etcdctl's restore checks it again).
     *
     * @return the file's size
     */
    long snapshot(Path out) {
        String path = "/v3/maintenance/snapshot";
        try (Socket plain = new Socket(); SSLSocket s = open(plain, SNAPSHOT_TIMEOUT_MILLIS)) {
            send(s, path, "{}".getBytes(StandardCharsets.US_ASCII));
            java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 1 << 16);
            String status = new String(line(in, 4096), StandardCharsets.ISO_8859_1).strip();
            while (line(in, 64 * 1024).length > 0) {
                // headers: not needed
            }
            if (!status.matches("HTTP/1\\.[01] 200.*")) {
                throw new EtcdError("etcd at " + endpoint + " (" + path + "): " + EtcdHealthProbe.abbreviate(status + " "
                        + EtcdHealthProbe.readAnswer(in, MAX_ANSWER)));
            }
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            byte[] tail = new byte[0]; // the last 32 bytes seen, not yet hashed: etcd's checksum once the stream ends
            long size = 0;
            try (var file = new java.io.BufferedOutputStream(Files.newOutputStream(out))) {
                for (byte[] l = line(in, MAX_CHUNK_LINE); l.length > 0; l = line(in, MAX_CHUNK_LINE)) {
                    JsonNode msg;
                    try {
                        msg = JSON.readTree(l);
                    } catch (RuntimeException e) {
                        throw new EtcdError("etcd at " + endpoint + " (" + path + "): not a JSON message: "
                                + EtcdHealthProbe.abbreviate(new String(l, StandardCharsets.UTF_8)));
                    }
                    if (msg.has("error")) {
                        throw new EtcdError("etcd at " + endpoint + " (" + path + ") says: "
                                + msg.path("error").path("message").asString(EtcdHealthProbe.abbreviate(msg.toString())));
                    }
                    byte[] chunk = java.util.Base64.getDecoder().decode(msg.path("result").path("blob").asString(""));
                    file.write(chunk);
                    size += chunk.length;
                    byte[] joined = new byte[tail.length + chunk.length];
                    System.arraycopy(tail, 0, joined, 0, tail.length);
                    System.arraycopy(chunk, 0, joined, tail.length, chunk.length);
                    int keep = Math.min(32, joined.length);
                    sha.update(joined, 0, joined.length - keep);
                    tail = java.util.Arrays.copyOfRange(joined, joined.length - keep, joined.length);
                }
            }
            if (size < 32 || !java.security.MessageDigest.isEqual(sha.digest(), tail)) {
                throw new EtcdError("etcd at " + endpoint + ": the snapshot (" + size + " bytes) does not end with the"
                        + " sha256 of its content: cut short; try again");
            }
            return size;
        } catch (IOException e) {
            throw new EtcdError("etcd at " + endpoint + " (" + path + "): " + EtcdHealthProbe.failure(e, false,
                    endpoint.getHost(), "through its SSH forward"));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line of the answer without its end of line; empty at the end of the stream or for an empty line. */
    private static byte[] line(java.io.InputStream in, int max) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (b.size() >= max) {
                throw new IOException("an answer line longer than " + max + " bytes");
            }
            b.write(c);
        }
        byte[] out = b.toByteArray();
        return out.length > 0 && out[out.length - 1] == '\r' ? java.util.Arrays.copyOf(out, out.length - 1) : out;
    }

    /** TLS over {@code plain} connected to {@link #dial}, the member's own name verified. */
    private SSLSocket open(Socket plain, int timeoutMillis) throws IOException {
        plain.connect(dial, TIMEOUT_MILLIS);
        plain.setSoTimeout(timeoutMillis);
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, host(), endpoint.getPort(), false);
        SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(params);
        s.startHandshake();
        return s;
    }

    /** One POST; HTTP/1.0 so that etcd answers once, unchunked, and closes. */
    private void send(SSLSocket s, String path, byte[] content) throws IOException {
        s.getOutputStream().write(("POST " + path + " HTTP/1.0\r\nHost: " + endpoint.getRawAuthority()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(content);
        s.getOutputStream().flush();
    }

    private String host() {
        return endpoint.getHost().replace("[", "").replace("]", "");
    }

    private JsonNode call(String path, JsonNode body) {
        String answer;
        try (Socket plain = new Socket(); SSLSocket s = open(plain, TIMEOUT_MILLIS)) {
            send(s, path, JSON.writeValueAsBytes(body));
            answer = EtcdHealthProbe.readAnswer(s.getInputStream(), MAX_ANSWER);
        } catch (IOException e) {
            throw new EtcdError("etcd at " + endpoint + " (" + path + "): " + EtcdHealthProbe.failure(e, false, host(),
                    "through its SSH forward"));
        }
        int end = answer.indexOf("\r\n\r\n");
        String status = answer.lines().findFirst().orElse("");
        String text = end < 0 ? "" : answer.substring(end + 4).strip();
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new EtcdError("etcd at " + endpoint + " (" + path + "): not an HTTP answer: " + EtcdHealthProbe.abbreviate(status));
        }
        JsonNode json;
        try {
            json = JSON.readTree(text);
        } catch (RuntimeException e) {
            throw new EtcdError("etcd at " + endpoint + " (" + path + "): HTTP " + parts[1] + ", not JSON: " + EtcdHealthProbe.abbreviate(text));
        }
        if (!parts[1].equals("200") || json.has("error") && !json.path("error").asString("").isEmpty()) {
            String message = json.path("message").asString(json.path("error").asString(EtcdHealthProbe.abbreviate(text)));
            throw new EtcdError("etcd at " + endpoint + " (" + path + ") says: " + message);
        }
        return json;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "reading", e);
        }
    }
}
