package io.kubeferry.kube;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Verifies the API server's certificate against the cluster CA only (never the JDK's default trust store,
 * never trust-all) and checks that it names {@code serverName}: the real endpoint name, which differs from the
 * address connected to when the connection goes through an SSH tunnel (https://127.0.0.1:PORT). The name
 * check lives here because fabric8 8.0.0's Vert.x client does not support a TLS server name override.
 * Being an {@link X509ExtendedTrustManager}, the JDK does not add its own host check on top of it.
 */
final class ClusterTrust extends X509ExtendedTrustManager {
    private final X509TrustManager caOnly;
    private final String serverName;
    private final AtomicReference<String> lastFailure = new AtomicReference<>();

    ClusterTrust(List<X509Certificate> clusterCas, String serverName) {
        this.serverName = serverName;
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < clusterCas.size(); i++) {
                ks.setCertificateEntry("cluster-ca-" + i, clusterCas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            this.caOnly = (X509TrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a trust store from the cluster CA", e);
        }
    }

    /** Key managers presenting the kubeconfig's client certificate. */
    static KeyManager[] clientKeyManagers(List<X509Certificate> chain, PrivateKey key) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "kubeferry".toCharArray();
            ks.setKeyEntry("client", key, pw, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("the client certificate and key do not form a usable pair: " + e.getMessage(), e);
        }
    }

    /** Why the last server certificate was refused (the HTTP client may wrap or drop the message), or null. */
    String lastFailure() {
        return lastFailure.get();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            caOnly.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw fail("the server certificate (subject '" + chain[0].getSubjectX500Principal().getName()
                    + "', issuer '" + chain[0].getIssuerX500Principal().getName()
                    + "') is not signed by the cluster CA in the kubeconfig (unknown CA): " + e.getMessage());
        }
        if (!names(chain[0], serverName)) {
            throw fail("the server certificate does not name '" + serverName + "' (name mismatch; it names "
                    + String.join(", ", subjectAltNames(chain[0])) + ")");
        }
        lastFailure.set(null);
    }

    private CertificateException fail(String message) {
        lastFailure.set(message);
        return new CertificateException(message);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client never trusts client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return caOnly.getAcceptedIssuers();
    }

    /** RFC 6125 as Go's crypto/x509 applies it: IP names against IP SANs, DNS names against DNS SANs (one-label wildcard). */
    static boolean names(X509Certificate cert, String name) {
        boolean ip = isIpLiteral(name);
        for (String san : subjectAltNames(cert)) {
            if (ip && san.startsWith("IP:")) {
                try {
                    if (InetAddress.getByName(san.substring(3)).equals(InetAddress.getByName(name))) {
                        return true;
                    }
                } catch (UnknownHostException e) {
                    // not comparable
                }
            } else if (!ip && san.startsWith("DNS:") && dnsMatches(san.substring(4), name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean dnsMatches(String pattern, String name) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String n = name.toLowerCase(Locale.ROOT);
        if (p.startsWith("*.")) {
            int dot = n.indexOf('.');
            return dot > 0 && n.substring(dot).equals(p.substring(1));
        }
        return p.equals(n);
    }

    private static boolean isIpLiteral(String s) {
        return s.contains(":") || s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    static List<String> subjectAltNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2) {
                        out.add("DNS:" + san.get(1));
                    } else if (type == 7) {
                        out.add("IP:" + san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            out.add("(unreadable subjectAltName: " + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            out.add("no subject alternative names");
        }
        return out;
    }
}
