package io.kubeferry.kube.testsupport;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The stand-in's storage: objects by resource type, namespace and name, with a cluster-wide resourceVersion counter
 * bumped only by real changes (so an apply that changes nothing keeps the resourceVersion, as on a real server).
 * All methods are synchronized: tests are small and correctness matters more than throughput.
 */
final class ObjectStore {
    /** Thrown with an HTTP status and the reason a real API server would give. */
    static final class ApiError extends RuntimeException {
        final int code;
        final String reason;

        ApiError(int code, String reason, String message) {
            super(message);
            this.code = code;
            this.reason = reason;
        }
    }

    /** The characters of generated name suffixes (the real server's: no vowels, no look-alikes). */
    private static final String NAME_CHARACTERS = "bcdfghjklmnpqrstvwxz2456789";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private final Map<String, ObjectNode> objects = new TreeMap<>();
    private long resourceVersion = 1;
    /** Where objects live when the API server has --etcd-servers: a real etcd; null: in memory. */
    private final EtcdKv etcd;

    ObjectStore() {
        this(null);
    }

    ObjectStore(EtcdKv etcd) {
        this.etcd = etcd;
    }

    /** kube-apiserver's etcd key: /registry/GROUP/RESOURCE/[NAMESPACE/]NAME (core objects under "core"). */
    private static String etcdKey(ApiResource r, String namespace, String name) {
        return etcdPrefix(r, namespace) + name;
    }

    private static String etcdPrefix(ApiResource r, String namespace) {
        return "/registry/" + (r.group().isEmpty() ? "core" : r.group()) + "/" + r.plural() + "/"
                + (namespace == null ? "" : namespace + "/");
    }

    private static ObjectNode fromEtcd(EtcdKv.Entry e) {
        ObjectNode o = (ObjectNode) new tools.jackson.databind.ObjectMapper().readTree(e.value());
        o.withObjectProperty("metadata").put("resourceVersion", Long.toString(e.modRevision()));
        return o;
    }

    private static byte[] toEtcd(ObjectNode o) {
        ObjectNode stored = o.deepCopy();
        stored.withObjectProperty("metadata").remove("resourceVersion"); // the mod revision is the resourceVersion
        return stored.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String key(ApiResource r, String namespace, String name) {
        return r.group() + "/" + r.version() + "/" + r.plural() + "/" + (namespace == null ? "" : namespace) + "/" + name;
    }

    synchronized Optional<ObjectNode> get(ApiResource r, String namespace, String name) {
        if (etcd != null) {
            return etcd.get(etcdKey(r, namespace, name)).map(ObjectStore::fromEtcd);
        }
        ObjectNode o = objects.get(key(r, namespace, name));
        return Optional.ofNullable(o == null ? null : o.deepCopy());
    }

    synchronized List<ObjectNode> list(ApiResource r, String namespace) {
        if (etcd != null) {
            return etcd.list(etcdPrefix(r, namespace)).stream().map(ObjectStore::fromEtcd).toList();
        }
        String prefix = r.group() + "/" + r.version() + "/" + r.plural() + "/" + (namespace == null ? "" : namespace + "/");
        List<ObjectNode> out = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> e : objects.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                out.add(e.getValue().deepCopy());
            }
        }
        return out;
    }

    synchronized String currentResourceVersion() {
        if (etcd != null) {
            return Long.toString(etcd.revision());
        }
        return Long.toString(resourceVersion);
    }

    synchronized ObjectNode create(ApiResource r, String namespace, ObjectNode body) {
        String name = body.path("metadata").path("name").asString("");
        String generateName = body.path("metadata").path("generateName").asString("");
        if (name.isEmpty() && !generateName.isEmpty()) {
            // as the real server's names.SimpleNameGenerator: the prefix and 5 random characters
            StringBuilder n = new StringBuilder(generateName);
            for (int i = 0; i < 5; i++) {
                n.append(NAME_CHARACTERS.charAt(RANDOM.nextInt(NAME_CHARACTERS.length())));
            }
            name = n.toString();
            body = body.deepCopy();
            ((ObjectNode) body.get("metadata")).put("name", name);
        }
        if (name.isEmpty()) {
            throw new ApiError(422, "Invalid", r.kind() + " \"\" is invalid: metadata.name: Required value: name is required");
        }
        requireNamespace(r, namespace);
        if (etcd == null && objects.containsKey(key(r, namespace, name))) {
            throw alreadyExists(r, name);
        }
        ObjectNode o = body.deepCopy();
        normalise(r, namespace, o);
        ObjectNode meta = (ObjectNode) o.get("metadata");
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        if (etcd != null) {
            long rv = etcd.putIf(etcdKey(r, namespace, name), toEtcd(o), 0);
            if (rv < 0) {
                throw alreadyExists(r, name);
            }
            meta.put("resourceVersion", Long.toString(rv));
            return o;
        }
        meta.put("resourceVersion", Long.toString(++resourceVersion));
        objects.put(key(r, namespace, name), o);
        return o.deepCopy();
    }

    /** Replaces the object with {@code updated} if it differs; checks a resourceVersion given in {@code precondition}. */
    synchronized ObjectNode update(ApiResource r, String namespace, String name, String precondition, ObjectNode updated) {
        ObjectNode current = etcd != null ? get(r, namespace, name).orElse(null) : objects.get(key(r, namespace, name));
        if (current == null) {
            throw notFound(r, name);
        }
        String rv = current.path("metadata").path("resourceVersion").asString();
        if (precondition != null && !precondition.isEmpty() && !precondition.equals(rv)) {
            throw conflict(r, name);
        }
        ObjectNode o = updated.deepCopy();
        normalise(r, namespace, o);
        ObjectNode meta = (ObjectNode) o.get("metadata");
        // server-owned fields stay the server's
        for (String f : List.of("uid", "creationTimestamp", "resourceVersion")) {
            meta.set(f, current.path("metadata").get(f));
        }
        if (etcd != null) {
            if (o.equals(current)) {
                return current;
            }
            long written = etcd.putIf(etcdKey(r, namespace, name), toEtcd(o), Long.parseLong(rv));
            if (written < 0) {
                throw conflict(r, name);
            }
            meta.put("resourceVersion", Long.toString(written));
            return o;
        }
        if (!o.equals(current)) {
            meta.put("resourceVersion", Long.toString(++resourceVersion));
            objects.put(key(r, namespace, name), o);
        }
        return objects.get(key(r, namespace, name)).deepCopy();
    }

    synchronized Optional<ObjectNode> delete(ApiResource r, String namespace, String name) {
        if (etcd != null) {
            Optional<ObjectNode> current = get(r, namespace, name);
            return current.isPresent() && etcd.delete(etcdKey(r, namespace, name)) ? current : Optional.empty();
        }
        return Optional.ofNullable(objects.remove(key(r, namespace, name)));
    }

    private static ApiError alreadyExists(ApiResource r, String name) {
        return new ApiError(409, "AlreadyExists", r.plural() + " \"" + name + "\" already exists");
    }

    private static ApiError conflict(ApiResource r, String name) {
        return new ApiError(409, "Conflict", "Operation cannot be fulfilled on " + r.plural() + " \"" + name
                + "\": the object has been modified; please apply your changes to the latest version and try again");
    }

    static ApiError notFound(ApiResource r, String name) {
        return new ApiError(404, "NotFound", r.plural() + (r.group().isEmpty() ? "" : "." + r.group()) + " \"" + name + "\" not found");
    }

    private void requireNamespace(ApiResource r, String namespace) {
        ApiResource namespaces = ApiResource.byPlural("", "v1", "namespaces").orElseThrow();
        boolean exists = etcd != null ? r.namespaced() && get(namespaces, null, namespace).isPresent()
                : objects.containsKey(key(namespaces, null, namespace));
        if (r.namespaced() && !exists) {
            throw new ApiError(404, "NotFound", "namespaces \"" + namespace + "\" not found");
        }
    }

    private static void normalise(ApiResource r, String namespace, ObjectNode o) {
        o.put("apiVersion", r.apiVersion());
        o.put("kind", r.kind());
        ObjectNode meta = o.withObjectProperty("metadata");
        if (r.namespaced()) {
            meta.put("namespace", namespace);
        } else {
            meta.remove("namespace");
        }
        meta.remove("managedFields");
    }

    /** RFC 7386 JSON merge patch; also how apply merges (maps merge, lists and scalars replace, null removes). */
    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = patch.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNull()) {
                out.remove(f.getKey());
            } else {
                out.set(f.getKey(), merge(out.get(f.getKey()), f.getValue()));
            }
        }
        return out;
    }
}
