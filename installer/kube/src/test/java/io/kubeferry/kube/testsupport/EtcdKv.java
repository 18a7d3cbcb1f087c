package io.kubeferry.kube.testsupport;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The stand-in API server's objects kept in a REAL etcd, as kube-apiserver keeps them: under {@code /registry/...},
 * the resourceVersion being etcd's mod revision, creates and updates as etcd transactions guarded by the create /
 * mod revision. It talks to etcd's v3 JSON gateway ({@code /v3/kv/range}, {@code /v3/kv/txn},
 * {@code /v3/kv/deleterange}) over TLS with the API server's --etcd-* files, so several stand-in API servers on
 * different control planes share one cluster state through etcd, as real ones do. (Values are JSON, not protobuf.)
 */
final class EtcdKv {
    /** One stored value and its revisions. */
    record Entry(String key, byte[] value, long modRevision) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final List<URI> servers;

    EtcdKv(HttpClient http, List<URI> servers) {
        this.http = http;
        this.servers = List.copyOf(servers);
    }

    Optional<Entry> get(String key) {
        ObjectNode req = JSON.createObjectNode().put("key", b64(key));
        List<Entry> kvs = entries(call("/v3/kv/range", req));
        return kvs.isEmpty() ? Optional.empty() : Optional.of(kvs.get(0));
    }

    List<Entry> list(String prefix) {
        ObjectNode req = JSON.createObjectNode().put("key", b64(prefix)).put("range_end", b64(prefixEnd(prefix)));
        return entries(call("/v3/kv/range", req));
    }

    /** The store's current revision (a list's resourceVersion). */
    long revision() {
        ObjectNode req = JSON.createObjectNode().put("key", b64("/registry/")).put("count_only", true);
        return longOf(call("/v3/kv/range", req).path("header").path("revision"));
    }

    /**
     * Puts the value when the key's revision is what the caller read: {@code expectedModRevision} 0 means "must
     * not exist yet" (a create). Returns the new mod revision, or -1 when the comparison failed.
     */
    long putIf(String key, byte[] value, long expectedModRevision) {
        ObjectNode req = JSON.createObjectNode();
        ObjectNode cmp = req.putArray("compare").addObject().put("key", b64(key));
        if (expectedModRevision == 0) {
            cmp.put("target", "CREATE").put("result", "EQUAL").put("create_revision", "0");
        } else {
            cmp.put("target", "MOD").put("result", "EQUAL").put("mod_revision", Long.toString(expectedModRevision));
        }
        req.putArray("success").addObject().putObject("request_put").put("key", b64(key))
                .put("value", Base64.getEncoder().encodeToString(value));
        JsonNode r = call("/v3/kv/txn", req);
        return r.path("succeeded").asBoolean(false) ? longOf(r.path("header").path("revision")) : -1;
    }

    boolean delete(String key) {
        ObjectNode req = JSON.createObjectNode().put("key", b64(key));
        return longOf(call("/v3/kv/deleterange", req).path("deleted")) > 0;
    }

    private JsonNode call(String path, ObjectNode body) {
        List<String> failures = new ArrayList<>();
        for (URI s : servers) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.resolve(path)).timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return JSON.readTree(r.body());
                }
                failures.add(s + path + " answered " + r.statusCode() + " " + r.body().strip());
            } catch (IOException e) {
                failures.add(s + path + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(s + path + ": interrupted");
                break;
            }
        }
        // a real API server answers requests it cannot store with a server error, and clients retry
        throw new ObjectStore.ApiError(503, "ServiceUnavailable", "etcd unavailable: " + String.join("; ", failures));
    }

    private static List<Entry> entries(JsonNode range) {
        List<Entry> out = new ArrayList<>();
        for (JsonNode kv : range.path("kvs")) {
            out.add(new Entry(new String(Base64.getDecoder().decode(kv.path("key").asString()), StandardCharsets.UTF_8),
                    Base64.getDecoder().decode(kv.path("value").asString("")), longOf(kv.path("mod_revision"))));
        }
        return out;
    }

    /** The gateway writes int64 fields as JSON strings; absent means 0. */
    private static long longOf(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return 0;
        }
        return n.isNumber() ? n.longValue() : Long.parseLong(n.asString("0"));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The key just after every key with this prefix (etcd's range_end for a prefix). */
    private static String prefixEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }
}
