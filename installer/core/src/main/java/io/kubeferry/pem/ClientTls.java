package io.kubeferry.pem;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A TLS client context from PEM files as Kubernetes gives them to a client (kube-apiserver's --etcd-cafile,
 * --etcd-certfile, --etcd-keyfile): it trusts only the given CA (never the JDK's trust store) and presents the
 * client certificate with its key.
 */
public final class ClientTls {
    private ClientTls() {
    }

    /**
     * @param caPem   the CA certificates that may sign the server's certificate
     * @param certPem the client certificate (and any intermediates)
     * @param keyPem  its private key (PKCS#1, SEC1 or PKCS#8, unencrypted)
     * @param what    names the three files in error messages, e.g. "--etcd-cafile/--etcd-certfile/--etcd-keyfile"
     */
    public static SSLContext of(byte[] caPem, byte[] certPem, byte[] keyPem, String what) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            List<X509Certificate> cas = PemKeys.certificates(caPem, what);
            for (int i = 0; i < cas.size(); i++) {
                trust.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] pw = "in-memory".toCharArray(); // the store never leaves this object
            keys.setKeyEntry("client", PemKeys.privateKey(keyPem, what), pw,
                    PemKeys.certificates(certPem, what).toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException(what + ": cannot make a TLS client of them: " + e.getMessage(), e);
        }
    }
}
