package io.kubeferry.kube;

import io.kubeferry.pem.PemKeys;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.Taint;

import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The installer's connection to a cluster's API server, made from a kubeconfig as the PKI writes it (embedded CA,
 * client certificate and key: admin.conf, super-admin.conf). The server certificate is always verified against the
 * kubeconfig's CA and the server's real name, also when {@code connectTo} points at an SSH tunnel
 * (https://127.0.0.1:PORT). Every failure leaves as a {@link KubeferryException} naming the URL and the cause;
 * no fabric8 exception escapes.
 */
public final class KubeApi implements AutoCloseable {
    /** The field manager of every server-side apply; kubeadm uses "kubeadm" for its own objects. */
    public static final String FIELD_MANAGER = "kubeferry";
    private static final Duration POLL = Duration.ofMillis(500);

    private final KubernetesClient client;
    private final ClusterTrust trust;
    private final String url;
    private final String serverName;
    private final String kubeconfigName;
    private final String userDescription;

    /** What one apply did to one object. */
    public record Applied(String apiVersion, String kind, String namespace, String name, String resourceVersion,
                          boolean changed) {
        @Override
        public String toString() {
            return kind + " " + (namespace == null ? "" : namespace + "/") + name + (changed ? " applied" : " unchanged");
        }
    }

    private KubeApi(KubernetesClient client, ClusterTrust trust, String url, String serverName, String kubeconfigName,
                    String userDescription) {
        this.client = client;
        this.trust = trust;
        this.url = url;
        this.serverName = serverName;
        this.kubeconfigName = kubeconfigName;
        this.userDescription = userDescription;
    }

    /** Connects to the kubeconfig's own server. */
    public static KubeApi connect(byte[] kubeconfig, String kubeconfigName) {
        return connect(kubeconfig, kubeconfigName, null);
    }

    /**
     * @param kubeconfigName the file's name for messages (e.g. "admin.conf")
     * @param connectTo      where to connect instead of the kubeconfig's server (an SSH tunnel's local end), or null;
     *                       the certificate must still name the kubeconfig's server host
     * @throws BadInputException when the kubeconfig lacks embedded CA, client certificate or key
     */
    public static KubeApi connect(byte[] kubeconfig, String kubeconfigName, URI connectTo) {
        Config config;
        try {
            config = Config.fromKubeconfig(new String(kubeconfig, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new BadInputException(kubeconfigName, "not a readable kubeconfig: " + e.getMessage());
        }
        List<X509Certificate> cas = PemKeys.certificates(data(config.getCaCertData(), kubeconfigName,
                "certificate-authority-data"), kubeconfigName + " certificate-authority-data");
        List<X509Certificate> clientChain;
        PrivateKey clientKey;
        try {
            clientChain = PemKeys.certificates(data(config.getClientCertData(), kubeconfigName, "client-certificate-data"),
                    kubeconfigName + " client-certificate-data");
            clientKey = PemKeys.privateKey(data(config.getClientKeyData(), kubeconfigName, "client-key-data"),
                    kubeconfigName + " client-key-data");
        } catch (IllegalArgumentException e) {
            throw new BadInputException(kubeconfigName, e.getMessage());
        }
        URI server = URI.create(config.getMasterUrl());
        String serverName = server.getHost();
        String url = connectTo == null ? stripSlash(config.getMasterUrl()) : stripSlash(connectTo.toString());
        ClusterTrust trust = new ClusterTrust(cas, serverName);
        config.setMasterUrl(url);
        // the name is checked by ClusterTrust against the real server name, not the tunnel's 127.0.0.1
        config.setDisableHostnameVerification(true);
        config.setTrustCerts(false);
        // direct (or through the SSH tunnel): an http(s)_proxy in the installer's environment must not divert the API calls
        config.setHttpProxy(null);
        config.setHttpsProxy(null);
        // failures are reported at once; the waits do their own retrying
        config.setRequestRetryBackoffLimit(0);
        config.setConnectionTimeout(10_000);
        config.setRequestTimeout(30_000);
        var keyManagers = ClusterTrust.clientKeyManagers(clientChain, clientKey);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientBuilderConsumer(b -> b.sslContext(keyManagers, new javax.net.ssl.TrustManager[]{trust}))
                .build();
        X509Certificate leaf = clientChain.get(0);
        String user = "'" + config.getCurrentContext().getContext().getUser() + "' (client certificate "
                + leaf.getSubjectX500Principal().getName() + ")";
        return new KubeApi(client, trust, url, serverName, kubeconfigName, user);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static byte[] data(String base64, String kubeconfigName, String field) {
        if (base64 == null || base64.isBlank()) {
            throw new BadInputException(kubeconfigName, "the current context's " + field
                    + " is missing; Kubeferry needs a kubeconfig with embedded data (as the installer writes them)");
        }
        return Base64.getMimeDecoder().decode(base64);
    }

    /** The URL connected to. */
    public String url() {
        return url;
    }

    /** The API server's {@code /version} gitVersion (e.g. v1.33.5): the version the answering server runs. */
    public String gitVersion() {
        return call("get /version", () -> client.getKubernetesVersion().getGitVersion());
    }

    /**
     * Server-side applies every document of a multi-document YAML, in order, with field manager
     * {@value #FIELD_MANAGER} and forced conflicts (as kubeadm does for the objects it owns).
     *
     * @param source the manifest's name for messages
     */
    public List<Applied> apply(String source, String multiDocumentYaml) {
        List<Applied> out = new ArrayList<>();
        for (HasMetadata item : load(source, multiDocumentYaml)) {
            String what = describe(item.getApiVersion(), item.getKind(), item.getMetadata().getNamespace(),
                    item.getMetadata().getName());
            out.add(call("apply " + what + " from " + source, () -> {
                HasMetadata before = client.resource(item).get();
                HasMetadata after = client.resource(item).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
                String rv = after.getMetadata().getResourceVersion();
                boolean changed = before == null || !rv.equals(before.getMetadata().getResourceVersion());
                return new Applied(after.getApiVersion(), after.getKind(), after.getMetadata().getNamespace(),
                        after.getMetadata().getName(), rv, changed);
            }));
        }
        return out;
    }

    /** What an apply would do to one object: create it, change the fields listed, or nothing. */
    public record Preview(String kind, String namespace, String name, boolean exists, List<String> changedFields) {
        public boolean changes() {
            return !exists || !changedFields.isEmpty();
        }

        @Override
        public String toString() {
            String what = kind + " " + (namespace == null ? "" : namespace + "/") + name;
            return !exists ? "create " + what : changedFields.isEmpty() ? "unchanged " + what
                    : "change " + what + " (" + String.join(", ", changedFields) + ")";
        }
    }

    /**
     * A dry run of {@link #apply}: each document compared with the live object, as {@code kubectl diff} would show
     * it. A field the manifest sets and the live object lacks or holds differently is a change; fields only the
     * server set (status, defaults, other managers' fields) are not. Metadata other than labels and annotations is
     * the server's.
     */
    public List<Preview> preview(String source, String multiDocumentYaml) {
        List<Preview> out = new ArrayList<>();
        for (HasMetadata item : load(source, multiDocumentYaml)) {
            String what = describe(item.getApiVersion(), item.getKind(), item.getMetadata().getNamespace(),
                    item.getMetadata().getName());
            out.add(call("read " + what + " from " + source, () -> {
                HasMetadata live = client.resource(item).get();
                List<String> changed = new ArrayList<>();
                if (live != null) {
                    Map<?, ?> desired = asMap(item);
                    Map<?, ?> current = asMap(live);
                    for (Map.Entry<?, ?> e : desired.entrySet()) {
                        String key = String.valueOf(e.getKey());
                        if (key.equals("metadata") && e.getValue() instanceof Map<?, ?> meta) {
                            Map<?, ?> liveMeta = current.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
                            for (String k : List.of("labels", "annotations")) {
                                if (meta.containsKey(k)) {
                                    differences("metadata." + k, meta.get(k), liveMeta.get(k), changed);
                                }
                            }
                        } else if (!key.equals("apiVersion") && !key.equals("kind")) {
                            differences(key, e.getValue(), current.get(key), changed);
                        }
                    }
                }
                return new Preview(item.getKind(), item.getMetadata().getNamespace(), item.getMetadata().getName(),
                        live != null, changed);
            }));
        }
        return out;
    }

    private Map<?, ?> asMap(HasMetadata resource) {
        var serialization = client.getKubernetesSerialization();
        return serialization.unmarshal(serialization.asJson(resource), Map.class);
    }

    /** Adds the paths where {@code desired} is not contained in {@code live} (maps by key, lists by position). */
    static void differences(String path, Object desired, Object live, List<String> out) {
        if (desired instanceof Map<?, ?> d && live instanceof Map<?, ?> l) {
            for (Map.Entry<?, ?> e : d.entrySet()) {
                differences(path + "." + e.getKey(), e.getValue(), l.get(e.getKey()), out);
            }
        } else if (desired instanceof List<?> d && live instanceof List<?> l && d.size() == l.size()) {
            int before = out.size();
            List<String> inner = new ArrayList<>();
            for (int i = 0; i < d.size(); i++) {
                differences(path + "[" + i + "]", d.get(i), l.get(i), inner);
            }
            // one entry per list: its items' paths are noise in a dry-run line
            if (!inner.isEmpty() && out.size() == before) {
                out.add(inner.size() == 1 ? inner.get(0) : path);
            }
        } else if (desired != null && !desired.equals(live)
                && !(desired instanceof Number a && live instanceof Number b && a.doubleValue() == b.doubleValue())) {
            out.add(path);
        }
    }

    private List<HasMetadata> load(String source, String multiDocumentYaml) {
        try {
            return client.load(new ByteArrayInputStream(multiDocumentYaml.getBytes(StandardCharsets.UTF_8))).items()
                    .stream().filter(java.util.Objects::nonNull).toList();
        } catch (RuntimeException e) {
            throw new BadInputException(source, "not a readable Kubernetes manifest: " + rootMessage(e));
        }
    }

    /** The object, or empty when it does not exist. {@code namespace} is null for cluster-scoped kinds. */
    public Optional<GenericKubernetesResource> get(String apiVersion, String kind, String namespace, String name) {
        return Optional.ofNullable(call("get " + describe(apiVersion, kind, namespace, name),
                () -> resource(apiVersion, kind, namespace, name).get()));
    }

    /** Deletes the object; false when it did not exist. */
    public boolean delete(String apiVersion, String kind, String namespace, String name) {
        return call("delete " + describe(apiVersion, kind, namespace, name),
                () -> !resource(apiVersion, kind, namespace, name).delete().isEmpty());
    }

    /**
     * Creates the object (POST): unlike {@link #apply}, an existing object of that name is an error (409), for
     * objects that must be new (a bootstrap token). The object's content never appears in a message.
     */
    public void create(HasMetadata object) {
        String what = describe(object.getApiVersion(), object.getKind(), object.getMetadata().getNamespace(),
                object.getMetadata().getName());
        call("create " + what, () -> client.resource(object).create());
    }

    /**
     * The objects of a kind in a namespace (null: cluster-scoped, or every namespace for a namespaced kind) carrying
     * every label of {@code labels}. The labels are sent as a selector and checked again here, so a server that
     * ignores the selector does not widen the answer.
     */
    public List<GenericKubernetesResource> list(String apiVersion, String kind, String namespace, Map<String, String> labels) {
        return call("list " + kind + " (" + apiVersion + ")" + (namespace == null ? "" : " in " + namespace), () -> {
            var op = client.genericKubernetesResources(apiVersion, kind);
            var scoped = namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace);
            var items = labels.isEmpty() ? scoped.list().getItems() : scoped.withLabels(labels).list().getItems();
            return items.stream().filter(o -> {
                Map<String, String> has = o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
                return labels.entrySet().stream().allMatch(l -> l.getValue().equals(has.get(l.getKey())));
            }).toList();
        });
    }

    /**
     * A JSON merge patch (RFC 7386: a null value removes the key) of an existing object, recorded as an update by
     * {@value #FIELD_MANAGER}. Used where a server-side apply by our field manager would drop the fields an earlier
     * apply of the same manager set (one key added to a ConfigMap the install applied).
     */
    public void mergePatch(String apiVersion, String kind, String namespace, String name, String jsonPatch) {
        call("patch " + describe(apiVersion, kind, namespace, name), () -> resource(apiVersion, kind, namespace, name)
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager(FIELD_MANAGER).build(), jsonPatch));
    }

    private io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> resource(String apiVersion, String kind,
                                                                                          String namespace, String name) {
        var op = client.genericKubernetesResources(apiVersion, kind);
        return namespace == null ? op.withName(name) : op.inNamespace(namespace).withName(name);
    }

    /** Drains nodes through this connection ({@code kubectl drain}'s steps). */
    public NodeDrain nodeDrain() {
        return new NodeDrain(client);
    }

    public List<Node> nodes() {
        return call("list nodes", () -> client.nodes().list().getItems());
    }

    /**
     * Waits until {@code /readyz} answers 200 "ok". Connection refused and not-ready answers are retried until the
     * timeout; TLS and authentication failures are not (waiting would not fix them).
     *
     * @param progress told each not-ready answer or connection failure (one line)
     */
    public void waitForReadyz(Duration timeout, Consumer<String> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (true) {
            try {
                HttpRequest request = client.getHttpClient().newHttpRequestBuilder()
                        .uri(URI.create(url + "/readyz")).build();
                HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class)
                        .get(10, TimeUnit.SECONDS);
                if (response.code() == 200) {
                    return;
                }
                if (response.code() == 401 || response.code() == 403) {
                    throw authFailure(response.code(), "GET /readyz", response.body());
                }
                last = "/readyz answered " + response.code() + ": " + firstFailingCheck(response.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HostFailureException(url, "interrupted while waiting for /readyz");
            } catch (ExecutionException | TimeoutException e) {
                KubeferryException typed = translate("GET /readyz", e);
                if (!(typed instanceof HostFailureException)) {
                    throw typed;
                }
                last = typed.getMessage();
            }
            progress.accept(last);
            if (System.nanoTime() > deadline) {
                throw new HostFailureException(url, "the API server was not ready within " + timeout.toSeconds()
                        + "s; last: " + last);
            }
            sleep();
        }
    }

    private static String firstFailingCheck(String body) {
        if (body == null) {
            return "";
        }
        for (String line : body.split("\n")) {
            if (line.startsWith("[-]")) {
                return line.substring(3).trim();
            }
        }
        return body.strip();
    }

    /** Waits until the Node exists and its Ready condition is True; returns it. */
    public Node waitForNodeReady(String name, Duration timeout, Consumer<String> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Node node = call("get node " + name, () -> client.nodes().withName(name).get());
            String state;
            if (node == null) {
                state = "node " + name + " is not registered yet";
            } else {
                Optional<NodeCondition> ready = node.getStatus() == null || node.getStatus().getConditions() == null
                        ? Optional.empty()
                        : node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
                if (ready.isPresent() && "True".equals(ready.get().getStatus())) {
                    return node;
                }
                state = "node " + name + " is not Ready" + ready.map(c -> " (" + c.getReason() + ": " + c.getMessage() + ")")
                        .orElse(" (no Ready condition yet)");
            }
            progress.accept(state);
            if (System.nanoTime() > deadline) {
                throw new HostFailureException(name, state + " after " + timeout.toSeconds() + "s (API server " + url + ")");
            }
            sleep();
        }
    }

    /**
     * Adds labels and annotations (a null value removes the key) and taints (added when no taint with the same key
     * and effect exists) to a Node, as kubeadm's mark-control-plane does: read, change, write back guarded by the
     * resourceVersion (a JSON merge patch), retried when another writer came first.
     */
    public Node markNode(String name, Map<String, String> labels, Map<String, String> annotations, List<Taint> taints) {
        for (int attempt = 1; ; attempt++) {
            Node current = call("get node " + name, () -> client.nodes().withName(name).get());
            if (current == null) {
                throw new UnexpectedStateException("node " + name + " does not exist in the cluster at " + url
                        + "; its kubelet has not registered it");
            }
            List<io.fabric8.kubernetes.api.model.Taint> merged = new ArrayList<>(
                    current.getSpec() == null || current.getSpec().getTaints() == null ? List.of() : current.getSpec().getTaints());
            for (Taint t : taints) {
                boolean present = merged.stream().anyMatch(x -> t.key().equals(x.getKey()) && t.effect().equals(x.getEffect()));
                if (!present) {
                    merged.add(new TaintBuilder().withKey(t.key()).withValue(t.value() == null || t.value().isEmpty() ? null : t.value())
                            .withEffect(t.effect()).build());
                }
            }
            Map<String, String> newLabels = new LinkedHashMap<>(labels);
            Map<String, String> newAnnotations = new LinkedHashMap<>(annotations);
            Node patch = new NodeBuilder().withNewMetadata().withName(name)
                    .withResourceVersion(current.getMetadata().getResourceVersion())
                    .withLabels(newLabels).withAnnotations(newAnnotations).endMetadata()
                    .withNewSpec().withTaints(merged).endSpec().build();
            try {
                return client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 5) {
                    throw translate("patch node " + name, e);
                }
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private static String describe(String apiVersion, String kind, String namespace, String name) {
        return kind + " " + (namespace == null ? "" : namespace + "/") + name + " (" + apiVersion + ")";
    }

    private <T> T call(String action, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (KubeferryException e) {
            throw e;
        } catch (RuntimeException e) {
            throw translate(action, e);
        }
    }

    /** Maps what fabric8 and the HTTP client throw to the installer's typed errors. */
    private KubeferryException translate(String action, Throwable e) {
        String tls = trust.lastFailure();
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SSLException || tls != null && c.getMessage() != null && c.getMessage().contains(tls)) {
                String cause = tls != null ? tls : "the TLS handshake failed: " + c.getMessage()
                        + " (the server refused the client certificate of " + userDescription + " from " + kubeconfigName
                        + ", or the connection is not TLS)";
                return new UnexpectedStateException("TLS failure talking to the API server at " + url
                        + (url.contains(serverName) ? "" : " (expected name '" + serverName + "')") + " to " + action + ": " + cause, e);
            }
            if (c instanceof ConnectException || c instanceof NoRouteToHostException || c instanceof UnknownHostException) {
                return new HostFailureException(url, "the API server at " + url + " is unreachable (" + c.getMessage()
                        + ") while trying to " + action, e);
            }
            if (c instanceof java.nio.channels.ClosedChannelException || c instanceof java.io.EOFException
                    || c.getClass().getName().endsWith("HttpClosedException")
                    || c instanceof java.net.SocketException && String.valueOf(c.getMessage()).contains("reset")) {
                // a kept-alive connection to a server that stopped or restarted
                return new HostFailureException(url, "the API server at " + url + " is unreachable (the connection was closed: "
                        + c.getMessage() + ") while trying to " + action, e);
            }
            if (c instanceof SocketTimeoutException || c instanceof TimeoutException
                    || c.getClass().getName().endsWith("ConnectTimeoutException")) {
                return new HostFailureException(url, "the API server at " + url + " is unreachable (timed out) while trying to "
                        + action, e);
            }
        }
        if (e instanceof KubernetesClientException k && k.getCode() > 0) {
            String message = k.getStatus() != null && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : k.getMessage();
            if (k.getCode() == 401 || k.getCode() == 403) {
                return authFailure(k.getCode(), action, message);
            }
            if (k.getCode() == 409) {
                return new UnexpectedStateException("conflict at the API server " + url + " while trying to " + action
                        + ": " + message, e);
            }
            if (k.getCode() == 422 || k.getCode() == 400) {
                return new UnexpectedStateException("the API server at " + url + " rejected the request to " + action
                        + " (" + k.getCode() + "): " + message, e);
            }
            return new HostFailureException(url, "the API server answered " + k.getCode() + " to the request to " + action
                    + ": " + message, e);
        }
        return new HostFailureException(url, "cannot " + action + " at the API server: " + rootMessage(e), e);
    }

    private UnexpectedStateException authFailure(int code, String action, String serverMessage) {
        if (code == 401) {
            return new UnexpectedStateException("the API server at " + url + " did not accept the credentials of "
                    + userDescription + " from " + kubeconfigName + " (401 Unauthorized) while trying to " + action
                    + ": the client certificate is not signed by the CA in the API server's --client-ca-file, or it has expired", null);
        }
        return new UnexpectedStateException("the API server at " + url + " forbids " + userDescription + " from "
                + kubeconfigName + " to " + action + " (403 Forbidden): " + serverMessage
                + "; the user or its group needs a (Cluster)RoleBinding granting it (admin.conf's group kubeadm:cluster-admins"
                + " has rights only once the ClusterRoleBinding kubeadm:cluster-admins exists; create it with super-admin.conf)", null);
    }

    private static String rootMessage(Throwable e) {
        Throwable r = e;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + r + ")";
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostFailureException("kubeferry", "interrupted while waiting");
        }
    }
}
