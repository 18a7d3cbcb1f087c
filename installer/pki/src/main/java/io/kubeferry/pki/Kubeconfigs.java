package io.kubeferry.pki;

import io.kubeferry.text.Quoting;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Writes kubeconfigs in kubeadm's layout (one cluster, one user, one context) and reads them back. */
public final class Kubeconfigs {
    private Kubeconfigs() {
    }

    /**
     * What a kubeconfig file says about its current context. The client credentials are either embedded
     * ({@code clientCertPem}/{@code clientKeyPem}; the file fields null) or referenced by path
     * ({@code clientCertFile}/{@code clientKeyFile}, as kubelet.conf after kubeadm's kubelet-finalize; the data null).
     */
    public record Parsed(String clusterName, String server, byte[] caPem, String userName, String contextName,
                         byte[] clientCertPem, byte[] clientKeyPem, String namespace, String clientCertFile,
                         String clientKeyFile) {
        public boolean referencesClientFiles() {
            return clientCertFile != null;
        }
    }

    public static byte[] render(String clusterName, String server, byte[] caPem, String userName, byte[] clientCertPem,
                                byte[] clientKeyPem) {
        return render(clusterName, server, caPem, userName, clientCertPem, clientKeyPem, null);
    }

    /** Renders the file; strings are written as JSON-style quoted scalars so any name is safe. */
    public static byte[] render(String clusterName, String server, byte[] caPem, String userName, byte[] clientCertPem,
                                byte[] clientKeyPem, String namespace) {
        Base64.Encoder b64 = Base64.getEncoder();
        return render(clusterName, server, caPem, userName, namespace,
                "    client-certificate-data: " + b64.encodeToString(clientCertPem) + "\n"
                        + "    client-key-data: " + b64.encodeToString(clientKeyPem) + "\n");
    }

    /**
     * A kubeconfig whose user refers to one PEM file holding certificate and key (what kubeadm's kubelet-finalize
     * makes of kubelet.conf: {@code client-certificate} and {@code client-key} both
     * {@code /var/lib/kubelet/pki/kubelet-client-current.pem}), so the kubelet's rotated certificates are used.
     */
    public static byte[] renderWithClientFile(String clusterName, String server, byte[] caPem, String userName,
                                              String certAndKeyFile) {
        return render(clusterName, server, caPem, userName, null,
                "    client-certificate: " + q(certAndKeyFile) + "\n" + "    client-key: " + q(certAndKeyFile) + "\n");
    }

    private static byte[] render(String clusterName, String server, byte[] caPem, String userName, String namespace,
                                 String userCredentials) {
        String context = userName + "@" + clusterName;
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder y = new StringBuilder();
        y.append("apiVersion: v1\n");
        y.append("clusters:\n");
        y.append("- cluster:\n");
        y.append("    certificate-authority-data: ").append(b64.encodeToString(caPem)).append('\n');
        y.append("    server: ").append(q(server)).append('\n');
        y.append("  name: ").append(q(clusterName)).append('\n');
        y.append("contexts:\n");
        y.append("- context:\n");
        y.append("    cluster: ").append(q(clusterName)).append('\n');
        if (namespace != null) {
            y.append("    namespace: ").append(q(namespace)).append('\n');
        }
        y.append("    user: ").append(q(userName)).append('\n');
        y.append("  name: ").append(q(context)).append('\n');
        y.append("current-context: ").append(q(context)).append('\n');
        y.append("kind: Config\n");
        y.append("preferences: {}\n");
        y.append("users:\n");
        y.append("- name: ").append(q(userName)).append('\n');
        y.append("  user:\n");
        y.append(userCredentials);
        return y.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Double-quoted YAML scalar (JSON escaping is valid YAML). */
    static String q(String s) {
        return Quoting.doubleQuoted(s);
    }

    /**
     * Reads the current context's cluster (with embedded CA) and user (embedded credentials, or paths to them).
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    @SuppressWarnings("unchecked")
    public static Parsed parse(byte[] content) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(content, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not valid YAML: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> doc)) {
            throw new IllegalArgumentException("not a kubeconfig (no mapping at the top)");
        }
        String current = str(doc.get("current-context"), "current-context");
        Map<String, Object> context = named((List<Object>) doc.get("contexts"), current, "context", "contexts");
        String clusterName = str(context.get("cluster"), "contexts[" + current + "].context.cluster");
        String userName = str(context.get("user"), "contexts[" + current + "].context.user");
        Map<String, Object> cluster = named((List<Object>) doc.get("clusters"), clusterName, "cluster", "clusters");
        Map<String, Object> user = named((List<Object>) doc.get("users"), userName, "user", "users");
        Object ns = context.get("namespace");
        String server = str(cluster.get("server"), "clusters[" + clusterName + "].cluster.server");
        byte[] caPem = data(cluster.get("certificate-authority-data"),
                "clusters[" + clusterName + "].cluster.certificate-authority-data");
        String namespace = ns == null ? null : ns.toString();
        if (user.get("client-certificate-data") == null && user.get("client-certificate") != null) {
            return new Parsed(clusterName, server, caPem, userName, current, null, null, namespace,
                    str(user.get("client-certificate"), "users[" + userName + "].user.client-certificate"),
                    str(user.get("client-key"), "users[" + userName + "].user.client-key"));
        }
        return new Parsed(clusterName, server, caPem, userName, current,
                data(user.get("client-certificate-data"), "users[" + userName + "].user.client-certificate-data"),
                data(user.get("client-key-data"), "users[" + userName + "].user.client-key-data"),
                namespace, null, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> named(List<Object> list, String name, String key, String where) {
        if (list == null) {
            throw new IllegalArgumentException("no " + where);
        }
        for (Object o : list) {
            if (o instanceof Map<?, ?> m && name.equals(String.valueOf(m.get("name"))) && m.get(key) instanceof Map<?, ?> v) {
                return (Map<String, Object>) v;
            }
        }
        throw new IllegalArgumentException("no entry named '" + name + "' in " + where);
    }

    private static String str(Object o, String where) {
        if (o == null) {
            throw new IllegalArgumentException(where + " is missing");
        }
        return o.toString();
    }

    private static byte[] data(Object o, String where) {
        try {
            return Base64.getMimeDecoder().decode(str(o, where));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " is not base64");
        }
    }
}
