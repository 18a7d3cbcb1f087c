package io.kubeferry.kube.testsupport;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.zjsonpatch.JsonPatch;
import io.kubeferry.pem.ClientTls;
import io.kubeferry.pem.PemKeys;

import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A STAND-IN for kube-apiserver, for tests: the Kubernetes binaries cannot be had on this machine. It is real where
 * the install's wiring is checked: real TLS with the given serving certificate, client certificates verified against
 * {@code --client-ca-file} (the user is the certificate's CN, the groups its O values; none or a foreign one gets 401
 * as on a real server), authorisation by system:masters or ClusterRoleBindings to cluster-admin, the discovery
 * documents kubectl reads, and (when --etcd-servers is given) a real TLS health call to etcd behind {@code /readyz}.
 * It stores objects in memory, generically by group/version/resource/namespace/name; server-side apply creates or
 * merges (maps merge, lists replace) without managedFields. No watch, no admission, no validation against schemas,
 * no label or field selectors, no controllers. See installer/kube/README.md.
 */
public final class StandInApiServer implements AutoCloseable {
    /** The version /version reports when none is given (a server built directly, not from a static pod's image). */
    public static final String VERSION = "v1.34.1";
    /** A Kubernetes release tag, as kube-apiserver images are tagged: v1.33.5, v1.34.0-rc.1. */
    private static final java.util.regex.Pattern RELEASE_TAG = java.util.regex.Pattern.compile("v(\\d+)\\.(\\d+)\\.\\d+([-+].*)?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Set<String> PUBLIC_PATHS = Set.of("/healthz", "/livez", "/readyz", "/version");
    /** Users the real server's bootstrap RBAC policy (system:kube-controller-manager etc.) lets do their work. */
    private static final Set<String> CONTROL_PLANE_USERS = Set.of("system:kube-controller-manager", "system:kube-scheduler");
    private static final List<String> INITIAL_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    /**
     * How to start it.
     *
     * @param bindAddress   where to listen (tests: 127.0.0.1)
     * @param port          0 for any free port
     * @param etcd          null: /readyz checks nothing beyond the server itself
     * @param version       what /version reports, a release tag ("v1.33.5"); null: {@link #VERSION}
     */
    public record Settings(InetAddress bindAddress, int port, byte[] servingCertPem, byte[] servingKeyPem,
                           byte[] clientCaPem, EtcdClient etcd, String version) {
        public Settings {
            if (version == null) {
                version = VERSION;
            } else if (!RELEASE_TAG.matcher(version).matches()) {
                throw new IllegalArgumentException("the stand-in API server's version must be a release tag like v1.33.5"
                        + " (the kube-apiserver image's tag), not '" + version + "'");
            }
        }

        /** With the default version. */
        public Settings(InetAddress bindAddress, int port, byte[] servingCertPem, byte[] servingKeyPem, byte[] clientCaPem,
                        EtcdClient etcd) {
            this(bindAddress, port, servingCertPem, servingKeyPem, clientCaPem, etcd, null);
        }
    }

    /** The kube-apiserver's etcd client flags: --etcd-servers (comma separated), --etcd-cafile, --etcd-certfile, --etcd-keyfile. */
    public record EtcdClient(List<URI> servers, byte[] caPem, byte[] certPem, byte[] keyPem) {
    }

    /** One request served, for tests that want to see what a client asked. */
    public record Request(String method, String path, String user, int status) {
    }

    private final HttpsServer server;
    private final ExecutorService executor;
    private final List<X509Certificate> clientCas;
    private final ObjectStore store;
    private volatile boolean bootstrapped;
    private final EtcdClient etcd;
    private final HttpClient etcdHttp;
    private final String kubernetesVersion;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

    public StandInApiServer(Settings settings) throws IOException {
        this.clientCas = PemKeys.certificates(settings.clientCaPem(), "--client-ca-file");
        this.etcd = settings.etcd();
        this.kubernetesVersion = settings.version();
        this.etcdHttp = etcd == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .sslContext(clientTls(etcd)).build();
        // with --etcd-servers the objects live in that etcd (shared by every API server of the cluster), else in memory
        this.store = etcd == null ? new ObjectStore() : new ObjectStore(new EtcdKv(etcdHttp, etcd.servers()));
        SSLContext tls = serverTls(settings.servingCertPem(), settings.servingKeyPem());
        server = HttpsServer.create(new InetSocketAddress(settings.bindAddress(), settings.port()), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                // as kube-apiserver (RequestClientCert): ask for a certificate, judge it per request, 401 when bad
                p.setWantClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "stand-in-apiserver");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        if (etcd == null) {
            bootstrap();
        } else {
            // etcd may come up after the API server (static pods start together): the real server's post-start hook
            // also retries; /readyz says not ready until it is done
            Thread t = new Thread(() -> {
                while (!bootstrapped && !executor.isShutdown()) {
                    try {
                        bootstrap();
                    } catch (ObjectStore.ApiError e) {
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    }
                }
            }, "stand-in-apiserver-bootstrap");
            t.setDaemon(true);
            t.start();
        }
        server.start();
    }

    /** The namespaces every cluster has; another API server of the same etcd may have made them already. */
    private void bootstrap() {
        var namespaces = ApiResource.byPlural("", "v1", "namespaces").orElseThrow();
        for (String ns : INITIAL_NAMESPACES) {
            if (store.get(namespaces, null, ns).isPresent()) {
                continue;
            }
            ObjectNode o = JSON.createObjectNode();
            o.withObjectProperty("metadata").put("name", ns);
            try {
                store.create(namespaces, null, o);
            } catch (ObjectStore.ApiError e) {
                if (e.code != 409) {
                    throw e;
                }
            }
        }
        // the real server's bootstrap policy (rbac/bootstrap-roles) makes these roles itself; kubeadm only binds them
        var clusterRoles = ApiResource.byKind("rbac.authorization.k8s.io/v1", "ClusterRole").orElseThrow();
        for (String csrRole : List.of("nodeclient", "selfnodeclient")) {
            String name = "system:certificates.k8s.io:certificatesigningrequests:" + csrRole;
            if (store.get(clusterRoles, null, name).isPresent()) {
                continue;
            }
            ObjectNode role = JSON.createObjectNode().put("apiVersion", "rbac.authorization.k8s.io/v1").put("kind", "ClusterRole");
            role.withObjectProperty("metadata").put("name", name).withObjectProperty("annotations")
                    .put("rbac.authorization.kubernetes.io/autoupdate", "true");
            ObjectNode rule = role.putArray("rules").addObject();
            rule.putArray("apiGroups").add("certificates.k8s.io");
            rule.putArray("resources").add("certificatesigningrequests/" + csrRole);
            rule.putArray("verbs").add("create");
            try {
                store.create(clusterRoles, null, role);
            } catch (ObjectStore.ApiError e) {
                if (e.code != 409) {
                    throw e;
                }
            }
        }
        bootstrapped = true;
    }

    /**
     * Starts it from the kube-apiserver static pod's flags (flag without "--" → value): --secure-port,
     * --tls-cert-file, --tls-private-key-file, --client-ca-file, and the --etcd-* client flags when present. It listens
     * on --bind-address when given, otherwise on 127.0.0.1 (unlike the real server's 0.0.0.0: a stand-in stays local).
     */
    public static StandInApiServer fromFlags(Map<String, String> flags) throws IOException {
        return fromFlags(flags, null);
    }

    /**
     * As {@link #fromFlags(Map)}, reporting {@code version} at /version: the kube-apiserver image's tag ("v1.33.5"),
     * as the real server reports the version of the binary its image holds; null: {@link #VERSION}.
     */
    public static StandInApiServer fromFlags(Map<String, String> flags, String version) throws IOException {
        EtcdClient etcd = null;
        if (flags.containsKey("etcd-servers")) {
            etcd = new EtcdClient(Arrays.stream(flags.get("etcd-servers").split(",")).map(String::trim).map(URI::create).toList(),
                    read(flags, "etcd-cafile"), read(flags, "etcd-certfile"), read(flags, "etcd-keyfile"));
        }
        return new StandInApiServer(new Settings(InetAddress.getByName(flags.getOrDefault("bind-address", "127.0.0.1")),
                Integer.parseInt(flags.getOrDefault("secure-port", "6443")), read(flags, "tls-cert-file"),
                read(flags, "tls-private-key-file"), read(flags, "client-ca-file"), etcd, version));
    }

    private static byte[] read(Map<String, String> flags, String flag) throws IOException {
        String path = flags.get(flag);
        if (path == null) {
            throw new IllegalArgumentException("--" + flag + " is required by the stand-in API server");
        }
        return Files.readAllBytes(Path.of(path));
    }

    /** What /version reports as gitVersion, without the "-stand-in" suffix: "v1.33.5". */
    public String kubernetesVersion() {
        return kubernetesVersion;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** https://ADDRESS:PORT */
    public URI url() {
        return URI.create("https://" + server.getAddress().getAddress().getHostAddress() + ":" + port());
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The stored object as JSON, for assertions; empty when absent. */
    public Optional<JsonNode> object(String apiVersion, String kind, String namespace, String name) {
        ApiResource r = ApiResource.byKind(apiVersion, kind).orElseThrow(() -> new IllegalArgumentException("not served: " + kind));
        return store.get(r, namespace, name).map(o -> o);
    }

    /** Stores an object directly, as a component (a kubelet registering its Node) would; returns it as stored. */
    public JsonNode put(String json) throws IOException {
        ObjectNode o = (ObjectNode) JSON.readTree(json);
        ApiResource r = ApiResource.byKind(o.path("apiVersion").asString(), o.path("kind").asString())
                .orElseThrow(() -> new IllegalArgumentException("not served: " + o.path("kind")));
        String ns = r.namespaced() ? o.path("metadata").path("namespace").asString("default") : null;
        String name = o.path("metadata").path("name").asString();
        return store.get(r, ns, name).isPresent() ? store.update(r, ns, name, null, o) : store.create(r, ns, o);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- HTTP ----

    private record Identity(String user, List<String> groups) {
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        Identity who = null;
        int status;
        try {
            who = authenticate((HttpsExchange) ex);
            byte[] body = ex.getRequestBody().readAllBytes();
            status = route(ex, path, who, body);
        } catch (ObjectStore.ApiError e) {
            status = sendStatus(ex, e.code, e.reason, e.getMessage());
        } catch (RuntimeException e) {
            status = sendStatus(ex, 500, "InternalError", "stand-in API server: " + e);
        } finally {
            ex.close();
        }
        requests.add(new Request(ex.getRequestMethod(), path, who == null ? "(anonymous)" : who.user(), status));
    }

    /** The client certificate's CN and O values when it chains to --client-ca-file; null when none was presented. */
    private Identity authenticate(HttpsExchange ex) {
        X509Certificate[] chain;
        try {
            chain = (X509Certificate[]) ex.getSSLSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        try {
            PKIXParameters params = new PKIXParameters(clientCas.stream().map(c -> new TrustAnchor(c, null))
                    .collect(Collectors.toSet()));
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(List.of(chain)), params);
            // client auth usage, as Go's verifier requires
            List<String> eku = chain[0].getExtendedKeyUsage();
            if (eku != null && !eku.contains("1.3.6.1.5.5.7.3.2")) {
                return null;
            }
            String user = null;
            List<String> groups = new ArrayList<>();
            for (Rdn rdn : new LdapName(chain[0].getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    user = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    groups.add(rdn.getValue().toString());
                }
            }
            return user == null ? null : new Identity(user, groups);
        } catch (Exception e) {
            return null;
        }
    }

    private int route(HttpExchange ex, String path, Identity who, byte[] body) throws IOException {
        String method = ex.getRequestMethod();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (PUBLIC_PATHS.contains(path)) {
            return switch (path) {
                case "/version" -> sendJson(ex, 200, version());
                case "/readyz" -> readyz(ex);
                default -> sendText(ex, 200, "ok");
            };
        }
        if (who == null) {
            return sendStatus(ex, 401, "Unauthorized", "Unauthorized");
        }
        if (path.equals("/api")) {
            ObjectNode v = JSON.createObjectNode().put("kind", "APIVersions");
            v.putArray("versions").add("v1");
            v.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0")
                    .put("serverAddress", server.getAddress().getAddress().getHostAddress() + ":" + port());
            return sendJson(ex, 200, v);
        }
        if (path.equals("/apis")) {
            ObjectNode list = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
            ArrayNode groups = list.putArray("groups");
            for (String g : ApiResource.groups()) {
                String version = ApiResource.ALL.stream().filter(r -> r.group().equals(g)).findFirst().orElseThrow().version();
                ObjectNode group = groups.addObject().put("name", g);
                group.putArray("versions").addObject().put("groupVersion", g + "/" + version).put("version", version);
                group.putObject("preferredVersion").put("groupVersion", g + "/" + version).put("version", version);
            }
            return sendJson(ex, 200, list);
        }
        if (path.equals("/openapi/v3")) {
            return sendJson(ex, 200, openApiRoot());
        }
        if (path.startsWith("/openapi/v3/")) {
            String gv = path.substring("/openapi/v3/".length());
            List<ApiResource> rs = ApiResource.ALL.stream().filter(r -> openApiKey(r).equals(gv)).toList();
            return rs.isEmpty() ? sendStatus(ex, 404, "NotFound", "the server could not find the requested resource")
                    : sendJson(ex, 200, openApi(rs, kubernetesVersion));
        }
        List<String> seg = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();
        String group;
        String version;
        List<String> rest;
        if (seg.size() >= 2 && seg.get(0).equals("api")) {
            group = "";
            version = seg.get(1);
            rest = seg.subList(2, seg.size());
        } else if (seg.size() >= 3 && seg.get(0).equals("apis")) {
            group = seg.get(1);
            version = seg.get(2);
            rest = seg.subList(3, seg.size());
        } else {
            return sendStatus(ex, 404, "NotFound", "the server could not find the requested resource");
        }
        if (rest.isEmpty()) {
            return discovery(ex, group, version);
        }
        String namespace = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")
                && ApiResource.byPlural(group, version, rest.get(2)).map(ApiResource::namespaced).orElse(false)) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        ApiResource r = ApiResource.byPlural(group, version, rest.get(0)).orElseThrow(() ->
                new ObjectStore.ApiError(404, "NotFound", "the server could not find the requested resource"));
        String name = rest.size() > 1 ? rest.get(1) : null;
        String subresource = rest.size() > 2 ? rest.get(2) : null;
        // subresources (status) are the object itself here, except a PUT to status or approval (below)
        authorize(who, method, r, namespace, name);
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        return switch (method) {
            case "GET" -> name == null ? list(ex, r, namespace) : sendJson(ex, 200,
                    store.get(r, namespace, name).orElseThrow(() -> ObjectStore.notFound(r, name)));
            case "POST" -> {
                ObjectNode o = (ObjectNode) JSON.readTree(body);
                if (r.kind().equals("CertificateSigningRequest")) {
                    requester(o, who);
                }
                yield sendJson(ex, 201, store.create(r, r.namespaced() ? namespace : null, o));
            }
            case "PUT" -> {
                ObjectNode o = (ObjectNode) JSON.readTree(body);
                String precondition = o.path("metadata").path("resourceVersion").asString(null);
                if ("status".equals(subresource) || "approval".equals(subresource)) {
                    // as the real status and approval subresources: only the status changes (a CSR's certificate,
                    // its Approved/Denied conditions); the spec the requester signed cannot be altered this way
                    ObjectNode current = store.get(r, namespace, name).orElseThrow(() -> ObjectStore.notFound(r, name));
                    current.set("status", o.path("status").deepCopy());
                    o = current;
                }
                yield sendJson(ex, 200, store.update(r, namespace, name, precondition, o));
            }
            case "PATCH" -> patch(ex, r, namespace, name, body, query);
            case "DELETE" -> sendJson(ex, 200, store.delete(r, namespace, name).orElseThrow(() -> ObjectStore.notFound(r, name)));
            default -> sendStatus(ex, 405, "MethodNotAllowed", method + " is not supported");
        };
    }

    /**
     * As the real API server's CSR strategy on create: the requester's identity is recorded from the client
     * certificate, whatever the body says (the approver trusts spec.username, so a client must not choose it).
     */
    private static void requester(ObjectNode csr, Identity who) {
        ObjectNode spec = csr.withObjectProperty("spec");
        spec.put("username", who.user());
        ArrayNode groups = spec.putArray("groups");
        who.groups().forEach(groups::add);
        groups.add("system:authenticated");
        spec.remove(List.of("uid", "extra"));
    }

    /**
     * system:masters, a ClusterRoleBinding to cluster-admin naming the user or one of its groups, a node (simplified
     * Node authorizer), or the controller-manager and scheduler (the real server's bootstrap roles for them).
     */
    private void authorize(Identity who, String method, ApiResource r, String namespace, String name) {
        if (who.groups().contains("system:masters") || who.groups().contains("system:nodes")
                || CONTROL_PLANE_USERS.contains(who.user())) {
            return;
        }
        ApiResource crb = ApiResource.byKind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding").orElseThrow();
        for (ObjectNode b : store.list(crb, null)) {
            if (!b.path("roleRef").path("name").asString().equals("cluster-admin")) {
                continue;
            }
            for (JsonNode s : b.path("subjects")) {
                String kind = s.path("kind").asString();
                String subject = s.path("name").asString();
                if (kind.equals("User") && subject.equals(who.user()) || kind.equals("Group") && who.groups().contains(subject)) {
                    return;
                }
            }
        }
        String verb = switch (method) {
            case "GET" -> name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> method.toLowerCase();
        };
        throw new ObjectStore.ApiError(403, "Forbidden", r.plural() + (name == null ? "" : " \"" + name + "\"")
                + " is forbidden: User \"" + who.user() + "\" cannot " + verb + " resource \"" + r.plural()
                + "\" in API group \"" + r.group() + "\"" + (namespace == null ? " at the cluster scope" : " in the namespace \"" + namespace + "\""));
    }

    private int patch(HttpExchange ex, ApiResource r, String namespace, String name, byte[] body, Map<String, String> query)
            throws IOException {
        String type = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")).split(";")[0].trim();
        Optional<ObjectNode> current = store.get(r, namespace, name);
        switch (type) {
            case "application/apply-patch+yaml" -> {
                if (!query.containsKey("fieldManager")) {
                    throw new ObjectStore.ApiError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value:"
                            + " is required for apply patch");
                }
                ObjectNode applied = (ObjectNode) YAML.readTree(body);
                if (!name.equals(applied.path("metadata").path("name").asString())) {
                    throw new ObjectStore.ApiError(400, "BadRequest", "the name of the object (" + applied.path("metadata").path("name").asString()
                            + ") does not match the name on the URL (" + name + ")");
                }
                if (!r.apiVersion().equals(applied.path("apiVersion").asString()) || !r.kind().equals(applied.path("kind").asString())) {
                    throw new ObjectStore.ApiError(400, "BadRequest", "the apiVersion/kind of the object (" + applied.path("apiVersion").asString()
                            + " " + applied.path("kind").asString() + ") does not match the URL (" + r.apiVersion() + " " + r.kind() + ")");
                }
                ((ObjectNode) applied.get("metadata")).remove(List.of("resourceVersion", "uid", "creationTimestamp", "managedFields"));
                if (current.isEmpty()) {
                    return sendJson(ex, 201, store.create(r, r.namespaced() ? namespace : null, applied));
                }
                return sendJson(ex, 200, store.update(r, namespace, name, null, (ObjectNode) ObjectStore.merge(current.get(), applied)));
            }
            case "application/merge-patch+json", "application/strategic-merge-patch+json" -> {
                ObjectNode existing = current.orElseThrow(() -> ObjectStore.notFound(r, name));
                JsonNode p = JSON.readTree(body);
                String precondition = p.path("metadata").path("resourceVersion").asString(null);
                return sendJson(ex, 200, store.update(r, namespace, name, precondition, (ObjectNode) ObjectStore.merge(existing, p)));
            }
            case "application/json-patch+json" -> {
                ObjectNode existing = current.orElseThrow(() -> ObjectStore.notFound(r, name));
                JsonNode patched = JsonPatch.apply(JSON.readTree(body), existing);
                return sendJson(ex, 200, store.update(r, namespace, name, patched.path("metadata").path("resourceVersion").asString(null),
                        (ObjectNode) patched));
            }
            default -> throw new ObjectStore.ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                    + "accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
    }

    private int list(HttpExchange ex, ApiResource r, String namespace) throws IOException {
        List<ObjectNode> items = store.list(r, namespace);
        String accept = String.valueOf(ex.getRequestHeaders().getFirst("Accept"));
        if (accept.contains("as=Table")) {
            return sendJson(ex, 200, table(r, items));
        }
        ObjectNode list = JSON.createObjectNode().put("kind", r.kind() + "List").put("apiVersion", r.apiVersion());
        list.putObject("metadata").put("resourceVersion", store.currentResourceVersion());
        ArrayNode array = list.putArray("items");
        items.forEach(array::add);
        return sendJson(ex, 200, list);
    }

    /** The server-side printing kubectl get asks for: Name and Age; nodes also Status, Roles and Version, as the real columns. */
    private ObjectNode table(ApiResource r, List<ObjectNode> items) {
        boolean node = r.kind().equals("Node");
        ObjectNode t = JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        t.putObject("metadata").put("resourceVersion", store.currentResourceVersion());
        ArrayNode cols = t.putArray("columnDefinitions");
        List<String> names = node ? List.of("Name", "Status", "Roles", "Age", "Version") : List.of("Name", "Age");
        for (String n : names) {
            cols.addObject().put("name", n).put("type", "string").put("format", n.equals("Name") ? "name" : "")
                    .put("description", n).put("priority", 0);
        }
        ArrayNode rows = t.putArray("rows");
        for (ObjectNode o : items) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            cells.add(o.path("metadata").path("name").asString());
            if (node) {
                String ready = "Unknown";
                for (JsonNode c : o.path("status").path("conditions")) {
                    if (c.path("type").asString().equals("Ready")) {
                        ready = c.path("status").asString().equals("True") ? "Ready" : "NotReady";
                    }
                }
                cells.add(ready);
                List<String> roles = new ArrayList<>();
                o.path("metadata").path("labels").propertyNames().forEach(l -> {
                    if (l.startsWith("node-role.kubernetes.io/")) {
                        roles.add(l.substring("node-role.kubernetes.io/".length()));
                    }
                });
                cells.add(roles.isEmpty() ? "<none>" : String.join(",", roles));
            }
            cells.add(age(o.path("metadata").path("creationTimestamp").asString()));
            if (node) {
                cells.add(o.path("status").path("nodeInfo").path("kubeletVersion").asString(""));
            }
            row.set("object", o);
        }
        return t;
    }

    private static String age(String created) {
        long s = Duration.between(Instant.parse(created), Instant.now()).getSeconds();
        return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s / 3600 + "h";
    }

    private int discovery(HttpExchange ex, String group, String version) throws IOException {
        List<ApiResource> rs = ApiResource.ALL.stream().filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
        if (rs.isEmpty()) {
            return sendStatus(ex, 404, "NotFound", "the server could not find the requested resource");
        }
        ObjectNode list = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", rs.get(0).apiVersion());
        ArrayNode resources = list.putArray("resources");
        for (ApiResource r : rs) {
            ObjectNode o = resources.addObject().put("name", r.plural()).put("singularName", r.kind().toLowerCase())
                    .put("namespaced", r.namespaced()).put("kind", r.kind());
            ArrayNode verbs = o.putArray("verbs");
            List.of("create", "delete", "get", "list", "patch", "update").forEach(verbs::add);
            if (!r.shortNames().isEmpty()) {
                ArrayNode sn = o.putArray("shortNames");
                r.shortNames().forEach(sn::add);
            }
        }
        return sendJson(ex, 200, list);
    }

    private static String openApiKey(ApiResource r) {
        return r.group().isEmpty() ? "api/" + r.version() : "apis/" + r.group() + "/" + r.version();
    }

    /** The OpenAPI v3 index kubectl reads to learn which group versions have documents. */
    private ObjectNode openApiRoot() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode paths = root.putObject("paths");
        ApiResource.ALL.stream().map(StandInApiServer::openApiKey).distinct().forEach(k ->
                paths.putObject(k).put("serverRelativeURL", "/openapi/v3/" + k + "?hash=stand-in"));
        return root;
    }

    /**
     * Just enough OpenAPI v3 for kubectl apply: each kind's PATCH operation with its group-version-kind and the
     * fieldValidation parameter, so kubectl leaves validation to the server (which the stand-in does not do) instead
     * of downloading schemas. No schemas are served.
     */
    private static ObjectNode openApi(List<ApiResource> rs, String kubernetesVersion) {
        ObjectNode doc = JSON.createObjectNode().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes (stand-in)").put("version", kubernetesVersion);
        ObjectNode paths = doc.putObject("paths");
        for (ApiResource r : rs) {
            String path = "/" + openApiKey(r) + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
            ObjectNode patch = paths.putObject(path).putObject("patch");
            patch.putObject("x-kubernetes-group-version-kind").put("group", r.group()).put("version", r.version()).put("kind", r.kind());
            ArrayNode params = patch.putArray("parameters");
            for (String q : List.of("dryRun", "fieldManager", "fieldValidation", "force")) {
                params.addObject().put("name", q).put("in", "query").putObject("schema").put("type", "string");
            }
            patch.putObject("responses").putObject("200").put("description", "OK");
        }
        return doc;
    }

    private ObjectNode version() {
        java.util.regex.Matcher m = RELEASE_TAG.matcher(kubernetesVersion);
        if (!m.matches()) {
            throw new IllegalStateException("not a release tag: " + kubernetesVersion); // Settings checked it
        }
        return JSON.createObjectNode().put("major", m.group(1)).put("minor", m.group(2)).put("gitVersion", kubernetesVersion + "-stand-in")
                .put("platform", "linux/amd64");
    }

    /** As kube-apiserver's /readyz: 200 "ok", or 500 listing the failed check. */
    private int readyz(HttpExchange ex) throws IOException {
        if (etcd == null) {
            return sendText(ex, 200, "ok");
        }
        List<String> failures = new ArrayList<>();
        for (URI s : etcd.servers()) {
            try {
                HttpResponse<String> r = etcdHttp.send(HttpRequest.newBuilder(s.resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"health\":\"true\"")) {
                    return bootstrapped ? sendText(ex, 200, "ok") : sendText(ex, 500,
                            "[+]ping ok\n[+]etcd ok\n[-]poststarthook/bootstrap-namespaces failed: not finished\nreadyz check failed");
                }
                failures.add(s + " answered " + r.statusCode() + " " + r.body().strip());
            } catch (IOException e) {
                failures.add(s + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(s + ": interrupted");
            }
        }
        return sendText(ex, 500, "[+]ping ok\n[-]etcd failed: " + String.join("; ", failures) + "\nreadyz check failed");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                out.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static int sendStatus(HttpExchange ex, int code, String reason, String message) throws IOException {
        ObjectNode s = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        return sendJson(ex, code, s);
    }

    private static int sendJson(HttpExchange ex, int code, JsonNode body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        return send(ex, code, JSON.writeValueAsBytes(body));
    }

    private static int sendText(HttpExchange ex, int code, String text) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        return send(ex, code, text.getBytes(StandardCharsets.UTF_8));
    }

    private static int send(HttpExchange ex, int code, byte[] bytes) throws IOException {
        ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        return code;
    }

    // ---- TLS ----

    private static SSLContext serverTls(byte[] certPem, byte[] keyPem) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "stand-in".toCharArray();
            ks.setKeyEntry("serving", PemKeys.privateKey(keyPem, "--tls-private-key-file"), pw,
                    PemKeys.certificates(certPem, "--tls-cert-file").toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[]{new AnyClientCertificate()}, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot use the serving certificate and key: " + e.getMessage(), e);
        }
    }

    /** For the etcd health call: trusts only --etcd-cafile, presents --etcd-certfile/--etcd-keyfile. */
    private static SSLContext clientTls(EtcdClient etcd) {
        return ClientTls.of(etcd.caPem(), etcd.certPem(), etcd.keyPem(), "--etcd-cafile/--etcd-certfile/--etcd-keyfile");
    }

    /** A TLS client context that trusts only {@code caPem} and presents {@code certPem}/{@code keyPem}; {@code what} names them in errors. */
    static SSLContext clientTls(byte[] caPem, byte[] certPem, byte[] keyPem, String what) {
        return ClientTls.of(caPem, certPem, keyPem, what);
    }

    /**
     * The handshake takes any client certificate; each request then verifies it against --client-ca-file and answers
     * 401 when it does not chain, as kube-apiserver does. No accepted issuers are announced, so a client holding a
     * foreign certificate presents it (and gets its 401) instead of silently sending none.
     */
    private static final class AnyClientCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
