package io.kubeferry.kube.testsupport;

import io.kubeferry.inventory.Durations;
import io.kubeferry.pki.CaKind;
import io.kubeferry.pki.CertIssuer;
import io.kubeferry.pki.CertSpec;
import io.kubeferry.pki.ExtKeyUsage;
import io.kubeferry.pki.Pem;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A STAND-IN for kube-controller-manager, for tests: of its controllers only csrapproving and csrsigning, and those
 * only for the kubelets' client certificates (signer {@value #KUBELET_CLIENT_SIGNER}), which is what certificate
 * rotation needs. It works through the API with its --kubeconfig, as the real one:
 * <ul>
 *   <li>approves a pending CSR when it is a node's request for its own client certificate (the real approver's
 *   "selfnodeclient" recognizer: spec.username {@code system:node:NAME} equal to the request's CN, O exactly
 *   system:nodes, no SANs, usages digital signature, client auth and, for RSA keys, key encipherment) and the RBAC it
 *   would ask about in a SubjectAccessReview is in the API: a ClusterRoleBinding of the requester or one of its
 *   groups to a ClusterRole granting create on certificatesigningrequests/selfnodeclient (the stand-in API server has
 *   no SubjectAccessReview, so the bindings and roles are read and evaluated here). Without them the CSR stays
 *   pending, as with the real approver;</li>
 *   <li>signs approved ones with --cluster-signing-cert-file/--cluster-signing-key-file for --cluster-signing-duration
 *   (default 8760h; shorter when spec.expirationSeconds asks; never past the CA), backdated 5 minutes as the real
 *   signer, through the pki module's {@link CertIssuer}.</li>
 * </ul>
 * Every few seconds a full list, no watch; several of them (one per control plane, no leader election) are kept
 * apart by the resourceVersion preconditions of their updates. Its log lines go to the given consumer.
 */
public final class StandInControllerManager implements AutoCloseable {
    public static final String KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    static final Duration DEFAULT_SIGNING_DURATION = Duration.ofHours(8760);
    static final Duration SYNC = Duration.ofSeconds(2);
    static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final String CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CLIENT_USAGES = Set.of("digital signature", "client auth");

    private final HttpClient http;
    private final URI server;
    private final CertIssuer.Authority ca;
    private final Duration signingDuration;
    private final Consumer<String> log;
    private final ScheduledExecutorService loop;
    private String lastError;

    private StandInControllerManager(HttpClient http, URI server, CertIssuer.Authority ca, Duration signingDuration,
                                     Consumer<String> log) {
        this.http = http;
        this.server = server;
        this.ca = ca;
        this.signingDuration = signingDuration;
        this.log = log;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stand-in-controller-manager");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::syncSafely, 0, SYNC.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts it from the kube-controller-manager static pod's flags (without "--", paths already on the host):
     * --kubeconfig (embedded credentials, as controller-manager.conf), --cluster-signing-cert-file,
     * --cluster-signing-key-file, --cluster-signing-duration.
     */
    public static StandInControllerManager fromFlags(Map<String, String> flags, Consumer<String> log) throws IOException {
        String kubeconfigFile = required(flags, "kubeconfig");
        JsonNode kubeconfig = new YAMLMapper().readTree(Files.readString(Path.of(kubeconfigFile)));
        JsonNode cluster = kubeconfig.path("clusters").path(0).path("cluster");
        JsonNode user = kubeconfig.path("users").path(0).path("user");
        byte[] caPem = base64(cluster, "certificate-authority-data", kubeconfigFile);
        byte[] certPem = base64(user, "client-certificate-data", kubeconfigFile);
        byte[] keyPem = base64(user, "client-key-data", kubeconfigFile);
        URI server = URI.create(cluster.path("server").asString());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .sslContext(StandInApiServer.clientTls(caPem, certPem, keyPem, kubeconfigFile)).build();
        CertIssuer.Authority ca = null;
        String certFile = flags.getOrDefault("cluster-signing-cert-file", "");
        String keyFile = flags.getOrDefault("cluster-signing-key-file", "");
        if (!certFile.isEmpty() && !keyFile.isEmpty()) {
            X509CertificateHolder caCert = Pem.readCertificate(Files.readAllBytes(Path.of(certFile)));
            PrivateKey caKey = Pem.readPrivateKey(Files.readAllBytes(Path.of(keyFile)));
            ca = new CertIssuer.Authority(caCert, caKey);
        }
        Duration duration = flags.containsKey("cluster-signing-duration")
                ? Durations.parse(flags.get("cluster-signing-duration")).orElseThrow(() -> new IllegalArgumentException(
                "--cluster-signing-duration " + flags.get("cluster-signing-duration") + " is not a duration"))
                : DEFAULT_SIGNING_DURATION;
        // an external CA (empty signing flags, as kubeadm renders them then): approving still works, signing is off
        log.accept("controller-manager STAND-IN: csrapproving" + (ca == null ? " (csrsigning off: no --cluster-signing-cert-file/"
                + "--cluster-signing-key-file)" : " and csrsigning") + " for " + KUBELET_CLIENT_SIGNER + " only, API " + server
                + (ca == null ? "" : ", signing for " + Durations.format(duration)));
        return new StandInControllerManager(http, server, ca, duration, log);
    }

    private static String required(Map<String, String> flags, String flag) {
        String v = flags.get(flag);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("--" + flag + " is required by the stand-in controller-manager");
        }
        return v;
    }

    private static byte[] base64(JsonNode node, String field, String file) {
        String v = node.path(field).asString("");
        if (v.isEmpty()) {
            throw new IllegalArgumentException(file + ": no " + field + " (the stand-in reads embedded credentials only)");
        }
        return Base64.getDecoder().decode(v);
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }

    private void syncSafely() {
        try {
            sync();
            lastError = null;
        } catch (Exception e) {
            String message = "CSR sync failed: " + e;
            if (!message.equals(lastError)) {
                log.accept("controller-manager STAND-IN: " + message);
            }
            lastError = message;
        }
    }

    /** One pass over every CSR of the kubelet client signer: approve what may be, sign what is approved. */
    void sync() throws IOException, InterruptedException {
        for (JsonNode csr : call("GET", CSRS, null).path("items")) {
            if (!KUBELET_CLIENT_SIGNER.equals(csr.path("spec").path("signerName").asString())) {
                continue;
            }
            String name = csr.path("metadata").path("name").asString();
            boolean approved = hasCondition(csr, "Approved");
            if (hasCondition(csr, "Denied") || hasCondition(csr, "Failed") || !csr.path("status").path("certificate").asString("").isEmpty()) {
                continue;
            }
            PKCS10CertificationRequest request;
            try {
                request = parse(csr);
            } catch (IllegalArgumentException e) {
                fail(csr, "could not parse the request: " + e.getMessage());
                continue;
            }
            if (!approved) {
                String notSelf = notSelfNodeClient(csr, request);
                if (notSelf != null) {
                    continue; // not this approver's kind of request: left for a human or another approver
                }
                String username = csr.path("spec").path("username").asString();
                if (!allowedSelfNodeClient(username, strings(csr.path("spec").path("groups")))) {
                    continue; // the real approver's SubjectAccessReview said no: the CSR stays pending
                }
                ObjectNode updated = ((ObjectNode) csr).deepCopy();
                condition(updated, "Approved", "AutoApproved", "Auto approving self kubelet client certificate after SubjectAccessReview.");
                csr = call("PUT", CSRS + "/" + name + "/approval", updated);
                log.accept("controller-manager STAND-IN: approved " + name + " for " + username);
            }
            if (ca != null) {
                sign(csr, request);
            }
        }
    }

    private void sign(JsonNode csr, PKCS10CertificationRequest request) throws IOException, InterruptedException {
        String name = csr.path("metadata").path("name").asString();
        PublicKey key;
        try {
            // by the JDK's names (BC's SubjectPublicKeyInfo conversions ask for an "ECDSA" key factory, which only the BC
            // provider has)
            boolean ec = request.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey);
            key = KeyFactory.getInstance(ec ? "EC" : "RSA").generatePublic(new X509EncodedKeySpec(request.getSubjectPublicKeyInfo().getEncoded()));
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                fail(csr, "the request's signature does not verify");
                return;
            }
        } catch (Exception e) {
            fail(csr, "cannot read the request's key: " + e.getMessage());
            return;
        }
        Duration ttl = signingDuration;
        long expirationSeconds = csr.path("spec").path("expirationSeconds").asLong(0);
        if (expirationSeconds >= 600 && Duration.ofSeconds(expirationSeconds).compareTo(ttl) < 0) {
            ttl = Duration.ofSeconds(expirationSeconds); // as the real signer: honoured when at least 10 minutes
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant notAfter = now.plus(ttl);
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        if (notAfter.isAfter(caEnd)) {
            notAfter = caEnd;
        }
        X500Name subject = request.getSubject();
        CertSpec spec = new CertSpec("kubelet-client", "kubelet-client", null, CaKind.KUBERNETES, value(subject, BCStyle.CN),
                values(subject, BCStyle.O), Set.of(ExtKeyUsage.CLIENT_AUTH), List.of(), List.of());
        X509CertificateHolder cert = new CertIssuer(new SecureRandom()).leaf(spec, key, ca, now.minus(BACKDATE), notAfter);
        ObjectNode updated = ((ObjectNode) csr).deepCopy();
        updated.withObjectProperty("status").put("certificate", Base64.getEncoder().encodeToString(Pem.encodeCertificate(cert)));
        call("PUT", CSRS + "/" + name + "/status", updated);
        log.accept("controller-manager STAND-IN: signed " + name + " (" + spec.commonName() + ") until " + notAfter);
    }

    /** Why the request is not a node asking for its own client certificate (the real recognizer's checks); null when it is. */
    static String notSelfNodeClient(JsonNode csr, PKCS10CertificationRequest request) {
        X500Name subject = request.getSubject();
        String cn = value(subject, BCStyle.CN);
        if (cn == null || !cn.startsWith("system:node:") || cn.length() == "system:node:".length()) {
            return "CN " + cn + " is not system:node:<name>";
        }
        if (!List.of("system:nodes").equals(values(subject, BCStyle.O))) {
            return "O " + values(subject, BCStyle.O) + " is not [system:nodes]";
        }
        if (request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest).length > 0) {
            return "the request asks for extensions (SANs)";
        }
        Set<String> usages = Set.copyOf(strings(csr.path("spec").path("usages")));
        Set<String> allowed = new java.util.HashSet<>(CLIENT_USAGES);
        if (request.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().equals(PKCSObjectIdentifiers.rsaEncryption)) {
            allowed.add("key encipherment");
        }
        if (!allowed.containsAll(usages) || !usages.containsAll(CLIENT_USAGES)) {
            return "usages " + usages + " are not " + allowed;
        }
        if (!cn.equals(csr.path("spec").path("username").asString())) {
            return "requested by " + csr.path("spec").path("username").asString() + ", not by " + cn;
        }
        return null;
    }

    /**
     * Whether RBAC lets {@code user} (with {@code groups}) create certificatesigningrequests/selfnodeclient: a
     * ClusterRoleBinding naming the user or one of its groups whose ClusterRole, read from the API, has a rule for
     * that verb, group and resource (or wildcards).
     */
    boolean allowedSelfNodeClient(String user, List<String> groups) throws IOException, InterruptedException {
        for (JsonNode binding : call("GET", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", null).path("items")) {
            if (!"ClusterRole".equals(binding.path("roleRef").path("kind").asString())) {
                continue;
            }
            boolean names = false;
            for (JsonNode s : binding.path("subjects")) {
                String kind = s.path("kind").asString();
                names |= kind.equals("User") && s.path("name").asString().equals(user)
                        || kind.equals("Group") && groups.contains(s.path("name").asString());
            }
            if (!names) {
                continue;
            }
            JsonNode role = get("/apis/rbac.authorization.k8s.io/v1/clusterroles/" + binding.path("roleRef").path("name").asString());
            for (JsonNode rule : role == null ? JSON.createArrayNode() : role.path("rules")) {
                if (anyOf(rule.path("verbs"), "create") && anyOf(rule.path("apiGroups"), "certificates.k8s.io")
                        && anyOf(rule.path("resources"), "certificatesigningrequests/selfnodeclient")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean anyOf(JsonNode list, String wanted) {
        for (JsonNode v : list) {
            if (v.asString().equals(wanted) || v.asString().equals("*")) {
                return true;
            }
        }
        return false;
    }

    private void fail(JsonNode csr, String why) throws IOException, InterruptedException {
        ObjectNode updated = ((ObjectNode) csr).deepCopy();
        condition(updated, "Failed", "SignerValidationFailure", why);
        call("PUT", CSRS + "/" + csr.path("metadata").path("name").asString() + "/status", updated);
        log.accept("controller-manager STAND-IN: " + csr.path("metadata").path("name").asString() + " failed: " + why);
    }

    private static PKCS10CertificationRequest parse(JsonNode csr) {
        String request = new String(Base64.getDecoder().decode(csr.path("spec").path("request").asString("")), StandardCharsets.US_ASCII);
        try (PEMParser p = new PEMParser(new StringReader(request))) {
            if (p.readObject() instanceof PKCS10CertificationRequest r) {
                return r;
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        throw new IllegalArgumentException("spec.request holds no CERTIFICATE REQUEST block");
    }

    private static boolean hasCondition(JsonNode csr, String type) {
        for (JsonNode c : csr.path("status").path("conditions")) {
            if (c.path("type").asString().equals(type) && !c.path("status").asString("True").equals("False")) {
                return true;
            }
        }
        return false;
    }

    private static void condition(ObjectNode csr, String type, String reason, String message) {
        ObjectNode status = csr.withObjectProperty("status");
        ArrayNode conditions = status.has("conditions") ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        conditions.addObject().put("type", type).put("status", "True").put("reason", reason).put("message", message)
                .put("lastUpdateTime", now).put("lastTransitionTime", now);
    }

    private static String value(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        return rdns.length == 0 ? null : rdns[0].getFirst().getValue().toString();
    }

    private static List<String> values(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        List<String> out = new ArrayList<>();
        for (RDN r : name.getRDNs(type)) {
            out.add(r.getFirst().getValue().toString());
        }
        return out;
    }

    private static List<String> strings(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(v -> out.add(v.asString()));
        return out;
    }

    /** The object at {@code path}, or null on 404. */
    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return null;
        }
        return checked("GET", path, r);
    }

    private JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Accept", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        return checked(method, path, http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static JsonNode checked(String method, String path, HttpResponse<String> r) throws IOException {
        if (r.statusCode() / 100 != 2) {
            throw new IOException(method + " " + path + ": " + r.statusCode() + " " + r.body().strip());
        }
        return JSON.readTree(r.body());
    }
}
