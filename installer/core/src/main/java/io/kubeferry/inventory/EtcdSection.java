package io.kubeferry.inventory;

import io.kubeferry.pem.PemKeys;
import io.kubeferry.yaml.YamlCursor;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code cluster.etcd}: the mode, and for an external etcd its endpoints and the CA, client certificate and key
 * (files on the installer's machine, read here: PEM, the certificate matches the key, issued by the CA).
 */
final class EtcdSection {
    static final Set<String> ETCD_KEYS = Set.of("mode", "external");
    static final Set<String> EXTERNAL_KEYS = Set.of("endpoints", "caFile", "certFile", "keyFile");

    /**
     * The settings (null when in error), the mode (null when unknown; known even when the external part is in
     * error) and where it is written, for the rules between it and the hosts.
     */
    record Parsed(EtcdSettings settings, EtcdSettings.Mode mode, YamlCursor modeCursor) {
        Parsed(EtcdSettings settings, YamlCursor modeCursor) {
            this(settings, settings == null ? null : settings.mode(), modeCursor);
        }
    }

    private EtcdSection() {
    }

    /** @param c the {@code cluster.etcd} cursor, null when absent; {@code cluster} locates rules when absent */
    static Parsed parse(YamlCursor c, YamlCursor cluster, SecretResolver resolver) {
        if (c == null) {
            return new Parsed(EtcdSettings.STATIC_POD, cluster);
        }
        Map<String, YamlCursor> f = c.fields(ETCD_KEYS);
        EtcdSettings.Mode mode = EtcdSettings.Mode.STATIC_POD;
        YamlCursor modeCursor = f.getOrDefault("mode", c);
        if (f.containsKey("mode")) {
            Optional<String> m = f.get("mode").string();
            Optional<EtcdSettings.Mode> parsed = m.flatMap(s -> Arrays.stream(EtcdSettings.Mode.values())
                    .filter(x -> x.yamlName().equals(s)).findFirst());
            if (m.isPresent() && parsed.isEmpty()) {
                f.get("mode").error("unknown etcd mode '" + m.get() + "'; use 'static-pod' (on the control-plane hosts,"
                        + " as kubeadm), 'host-service' (a systemd service on the hosts with the etcd role) or 'external'"
                        + " (your own etcd cluster)");
                return new Parsed(null, modeCursor);
            }
            if (parsed.isEmpty()) {
                return new Parsed(null, modeCursor);
            }
            mode = parsed.get();
        }
        if (mode != EtcdSettings.Mode.EXTERNAL) {
            if (f.containsKey("external")) {
                f.get("external").error("'external' is only read with mode: external; set cluster.etcd.mode: external"
                        + " or remove it");
                return new Parsed(null, modeCursor);
            }
            return new Parsed(new EtcdSettings(mode, Optional.empty()), modeCursor);
        }
        if (!f.containsKey("external")) {
            modeCursor.error("mode external needs cluster.etcd.external: {endpoints: [https://HOST:2379, ...], caFile,"
                    + " certFile, keyFile}");
            return new Parsed(null, mode, modeCursor);
        }
        EtcdSettings.External external = external(f.get("external"), resolver);
        return new Parsed(external == null ? null : new EtcdSettings(mode, Optional.of(external)), mode, modeCursor);
    }

    private static EtcdSettings.External external(YamlCursor c, SecretResolver resolver) {
        Map<String, YamlCursor> f = c.fields(EXTERNAL_KEYS);
        boolean ok = true;
        for (String key : List.of("endpoints", "caFile", "certFile", "keyFile")) {
            if (!f.containsKey(key)) {
                c.error("missing '" + key + "'" + (key.equals("endpoints")
                        ? ": the client URLs of your etcd members, e.g. [https://10.0.0.31:2379]"
                        : ": a PEM file on this machine (" + switch (key) {
                            case "caFile" -> "the CA that signed the etcd servers' certificates";
                            case "certFile" -> "the client certificate the API servers present to etcd";
                            default -> "the client certificate's private key";
                        } + ")"));
                ok = false;
            }
        }
        List<String> endpoints = f.containsKey("endpoints") ? endpoints(f.get("endpoints")) : null;
        Path ca = f.containsKey("caFile") ? readable(f.get("caFile"), resolver) : null;
        Path cert = f.containsKey("certFile") ? readable(f.get("certFile"), resolver) : null;
        Path key = f.containsKey("keyFile") ? readable(f.get("keyFile"), resolver) : null;
        if (!ok || endpoints == null || ca == null || cert == null || key == null) {
            return null;
        }
        List<X509Certificate> cas = certificates(f.get("caFile"), ca);
        List<X509Certificate> certs = certificates(f.get("certFile"), cert);
        PrivateKey privateKey;
        try {
            privateKey = PemKeys.privateKey(Files.readAllBytes(key), key.toString());
        } catch (IOException | IllegalArgumentException e) {
            f.get("keyFile").error(e.getMessage());
            return null;
        }
        if (cas == null || certs == null) {
            return null;
        }
        X509Certificate client = certs.get(0);
        if (!PemKeys.matches(privateKey, client.getPublicKey())) {
            f.get("keyFile").error(key + " is not the key of " + cert + " (the key and the certificate do not match);"
                    + " give the matching pair");
            return null;
        }
        if (cas.stream().noneMatch(a -> signedBy(client, a)) && certs.stream().skip(1).noneMatch(a -> signedBy(client, a))) {
            f.get("certFile").error(cert + " (" + client.getSubjectX500Principal().getName() + ") is not signed by the CA in "
                    + ca + "; give the CA of your etcd cluster and a client certificate it issued");
            return null;
        }
        if (client.getNotAfter().before(Date.from(Instant.now()))) {
            f.get("certFile").error(cert + " expired on " + client.getNotAfter().toInstant() + "; give a valid client certificate");
            return null;
        }
        return new EtcdSettings.External(endpoints, ca, cert, key);
    }

    private static List<String> endpoints(YamlCursor c) {
        List<YamlCursor> items = c.items();
        if (items.isEmpty()) {
            c.error("give at least one endpoint, e.g. [https://10.0.0.31:2379]");
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (YamlCursor item : items) {
            String text = Syntax.text(item);
            if (text == null) {
                ok = false;
                continue;
            }
            String problem = endpointProblem(text);
            if (problem != null) {
                item.error("'" + text + "' " + problem);
                ok = false;
            } else if (!out.add(text)) {
                item.error("duplicate endpoint " + text);
                ok = false;
            }
        }
        return ok ? new ArrayList<>(out) : null;
    }

    /** Why the text is not an etcd client URL the API server can use ({@code https://host:port}), or null. */
    private static String endpointProblem(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return "is not a URL; write it like https://10.0.0.31:2379";
        }
        if (!"https".equals(uri.getScheme())) {
            return "is not an https:// URL; the API server reaches an external etcd over TLS with the client"
                    + " certificate: write it like https://10.0.0.31:2379";
        }
        String host = uri.getHost();
        if (host == null || uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
            return "must be https://HOST:PORT, nothing more (no user, path or query)";
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!Syntax.isIpOrDnsName(bare)) {
            return "names '" + bare + "', which is neither an IP address nor a DNS name";
        }
        if (uri.getPort() < 0) {
            return "has no port; add the client port, usually :2379";
        }
        return null;
    }

    private static Path readable(YamlCursor c, SecretResolver resolver) {
        String s = Syntax.text(c);
        if (s == null) {
            return null;
        }
        Path p = resolver.path(s);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            c.error("file " + p + " does not exist or cannot be read");
            return null;
        }
        return p;
    }

    private static List<X509Certificate> certificates(YamlCursor c, Path file) {
        try {
            return PemKeys.certificates(Files.readAllBytes(file), file.toString());
        } catch (IOException | IllegalArgumentException e) {
            c.error(e.getMessage() + "; give a PEM certificate");
            return null;
        }
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
