package io.kubeferry.kube.tokens;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.kubeferry.errors.Problem;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.kube.KubeApi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Bootstrap tokens the kubeadm way, through the API: the Secret {@code kube-system/bootstrap-token-<id>} of type
 * {@value #SECRET_TYPE} with kubeadm's keys, and, for a token with the signing usage, the detached JWS
 * {@code jws-kubeconfig-<id>} of cluster-info's kubeconfig in {@code kube-public/cluster-info}, as the bootstrap
 * signer controller writes it (the same value: the signature is deterministic). The signature is added and removed
 * with a merge patch of that one key, so the install's server-side apply of cluster-info keeps owning the rest.
 */
public final class BootstrapTokens {
    public static final String NAMESPACE = "kube-system";
    public static final String SECRET_TYPE = "bootstrap.kubernetes.io/token";
    public static final String SECRET_PREFIX = "bootstrap-token-";
    public static final String CLUSTER_INFO_NAMESPACE = "kube-public";
    public static final String CLUSTER_INFO = "cluster-info";
    public static final String JWS_PREFIX = "jws-kubeconfig-";
    public static final String SIGNING = "signing";
    public static final String AUTHENTICATION = "authentication";
    /** kubeadm's known usages and its default for a new token. */
    public static final List<String> USAGES = List.of(SIGNING, AUTHENTICATION);
    /** The group kubeadm's RBAC (and the install's) lets join: CSR creation and auto-approval, cluster-info, kubeadm-config. */
    public static final String DEFAULT_GROUP = "system:bootstrappers:kubeadm:default-node-token";
    private static final Pattern GROUP = Pattern.compile("system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]");
    private static final Pattern ID = Pattern.compile("[a-z0-9]{6}");
    private static final String USAGE_PREFIX = "usage-bootstrap-";

    private BootstrapTokens() {
    }

    /** The rules kubeadm applies to a token's usages and groups; {@code where} names the flags. */
    public static List<Problem> check(List<String> usages, List<String> groups, String usagesFlag, String groupsFlag) {
        List<Problem> problems = new ArrayList<>();
        for (String u : usages) {
            if (!USAGES.contains(u)) {
                problems.add(Problem.error(usagesFlag, "unknown usage '" + u + "'; the usages are " + String.join(", ", USAGES)));
            }
        }
        if (usages.isEmpty()) {
            problems.add(Problem.error(usagesFlag, "give at least one usage (" + String.join(", ", USAGES) + ")"));
        }
        for (String g : groups) {
            if (!GROUP.matcher(g).matches()) {
                problems.add(Problem.error(groupsFlag, "'" + g + "' is not a bootstrap group: it must match "
                        + GROUP.pattern() + " (e.g. " + DEFAULT_GROUP + ")"));
            }
        }
        if (!groups.isEmpty() && !usages.contains(AUTHENTICATION)) {
            problems.add(Problem.error(groupsFlag, "extra groups only count for a token with the " + AUTHENTICATION + " usage"));
        }
        return problems;
    }

    /** Checks a token id given on the command line. */
    public static Optional<Problem> checkId(String id, String where) {
        return ID.matcher(id).matches() ? Optional.empty() : Optional.of(Problem.error(where, "'" + id
                + "' is not a bootstrap token id (6 characters a-z 0-9, the part before the dot); 'installer token list' shows them"));
    }

    /** The Secret as kubeadm writes it. */
    public static io.fabric8.kubernetes.api.model.Secret secretObject(BootstrapToken token) {
        Map<String, String> data = new LinkedHashMap<>();
        BootstrapToken.Info info = token.info();
        data.put("token-id", info.id());
        data.put("token-secret", token.secret().reveal());
        if (info.description() != null && !info.description().isEmpty()) {
            data.put("description", info.description());
        }
        if (info.expires() != null) {
            data.put("expiration", info.expires().toString());
        }
        for (String u : info.usages()) {
            data.put(USAGE_PREFIX + u, "true");
        }
        if (!info.groups().isEmpty()) {
            data.put("auth-extra-groups", String.join(",", info.groups()));
        }
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withNewMetadata().withName(SECRET_PREFIX + info.id()).withNamespace(NAMESPACE).endMetadata()
                .withType(SECRET_TYPE).withData(encoded).build();
    }

    /**
     * Creates the token's Secret and, with the signing usage, signs cluster-info with it. cluster-info is read
     * first (no Secret is left behind when it is missing); when signing fails, the Secret is deleted again.
     *
     * @throws UnexpectedStateException when cluster-info is missing or has no kubeconfig, or the id exists already
     */
    public static void create(KubeApi api, BootstrapToken token) {
        String kubeconfig = token.info().usages().contains(SIGNING) ? clusterInfoKubeconfig(api) : null;
        api.create(secretObject(token));
        if (kubeconfig == null) {
            return;
        }
        String signature = DetachedJws.sign(kubeconfig, token.id(), token.secret().revealBytes());
        try {
            api.mergePatch("v1", "ConfigMap", CLUSTER_INFO_NAMESPACE, CLUSTER_INFO,
                    "{\"data\":{\"" + JWS_PREFIX + token.id() + "\":\"" + signature + "\"}}");
        } catch (RuntimeException e) {
            api.delete("v1", "Secret", NAMESPACE, SECRET_PREFIX + token.id());
            throw e;
        }
    }

    /** cluster-info's kubeconfig, what the signature covers and kubeadm's discovery downloads. */
    public static String clusterInfoKubeconfig(KubeApi api) {
        GenericKubernetesResource cm = api.get("v1", "ConfigMap", CLUSTER_INFO_NAMESPACE, CLUSTER_INFO).orElseThrow(() ->
                new UnexpectedStateException("the ConfigMap " + CLUSTER_INFO_NAMESPACE + "/" + CLUSTER_INFO + " does not exist at "
                        + api.url() + "; it is made by the install's finish-cluster phase: run 'installer apply' (or"
                        + " 'installer phase finish-cluster') first"));
        Object kubeconfig = data(cm).get("kubeconfig");
        if (!(kubeconfig instanceof String s) || s.isEmpty()) {
            throw new UnexpectedStateException("the ConfigMap " + CLUSTER_INFO_NAMESPACE + "/" + CLUSTER_INFO + " at " + api.url()
                    + " has no data.kubeconfig to sign; run 'installer phase finish-cluster' to write it again");
        }
        return s;
    }

    /** The tokens in the cluster, soonest expiry first (never-expiring last); their secrets are not read. */
    public static List<BootstrapToken.Info> list(KubeApi api) {
        List<BootstrapToken.Info> out = new ArrayList<>();
        for (GenericKubernetesResource s : api.list("v1", "Secret", NAMESPACE, Map.of())) {
            if (SECRET_TYPE.equals(s.getAdditionalProperties().get("type"))) {
                out.add(info(s));
            }
        }
        out.sort(Comparator.comparing(BootstrapToken.Info::expires, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(BootstrapToken.Info::id));
        return out;
    }

    private static BootstrapToken.Info info(GenericKubernetesResource secret) {
        Map<String, Object> data = data(secret);
        String name = secret.getMetadata().getName();
        String id = decoded(data, "token-id").orElse(name.startsWith(SECRET_PREFIX) ? name.substring(SECRET_PREFIX.length()) : name);
        Instant expires = decoded(data, "expiration").map(e -> {
            try {
                return OffsetDateTime.parse(e).toInstant();
            } catch (DateTimeParseException bad) {
                return Instant.EPOCH; // the token cleaner and the authenticator treat an unreadable expiry as expired
            }
        }).orElse(null);
        List<String> usages = new ArrayList<>();
        for (String key : data.keySet()) {
            if (key.startsWith(USAGE_PREFIX) && decoded(data, key).orElse("").equals("true")) {
                usages.add(key.substring(USAGE_PREFIX.length()));
            }
        }
        usages.sort(Comparator.naturalOrder());
        List<String> groups = decoded(data, "auth-extra-groups").filter(g -> !g.isEmpty())
                .map(g -> List.of(g.split(","))).orElse(List.of());
        return new BootstrapToken.Info(id, expires, usages, groups, decoded(data, "description").orElse(""));
    }

    /**
     * What {@link #delete} would remove for this id: the token's Secret and its signature in cluster-info (one may be
     * there without the other: a token deleted some other way leaves its signature until the signer removes it).
     */
    public static List<String> present(KubeApi api, String id) {
        List<String> found = new ArrayList<>();
        if (api.get("v1", "Secret", NAMESPACE, SECRET_PREFIX + id).isPresent()) {
            found.add("Secret " + NAMESPACE + "/" + SECRET_PREFIX + id);
        }
        if (api.get("v1", "ConfigMap", CLUSTER_INFO_NAMESPACE, CLUSTER_INFO).map(cm -> data(cm).containsKey(JWS_PREFIX + id)).orElse(false)) {
            found.add(JWS_PREFIX + id + " in ConfigMap " + CLUSTER_INFO_NAMESPACE + "/" + CLUSTER_INFO);
        }
        return found;
    }

    /** Deletes the token's Secret and its signature; returns what was removed ({@link #present}), empty when nothing was there. */
    public static List<String> delete(KubeApi api, String id) {
        List<String> found = present(api, id);
        for (String what : found) {
            if (what.startsWith("Secret ")) {
                api.delete("v1", "Secret", NAMESPACE, SECRET_PREFIX + id);
            } else {
                api.mergePatch("v1", "ConfigMap", CLUSTER_INFO_NAMESPACE, CLUSTER_INFO, "{\"data\":{\"" + JWS_PREFIX + id + "\":null}}");
            }
        }
        return found;
    }

    /**
     * kubeadm's {@code --discovery-token-ca-cert-hash}: {@code sha256:} and the hex SHA-256 of the CA certificate's
     * DER SubjectPublicKeyInfo (kubeadm's pubkeypin format).
     */
    public static String caCertHash(X509Certificate ca) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.getPublicKey().getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(GenericKubernetesResource o) {
        Object data = o.getAdditionalProperties().get("data");
        return data instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Optional<String> decoded(Map<String, Object> data, String key) {
        Object v = data.get(key);
        if (!(v instanceof String s)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
