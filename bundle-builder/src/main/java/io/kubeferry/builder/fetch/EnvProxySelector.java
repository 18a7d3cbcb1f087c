package io.kubeferry.builder.fetch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Proxies from the usual environment variables: HTTPS_PROXY / https_proxy, HTTP_PROXY / http_proxy and
 * NO_PROXY / no_proxy (comma-separated hosts, domain suffixes like .corp.example or *; loopback never proxied).
 */
public final class EnvProxySelector extends ProxySelector {
    private final Proxy http;
    private final Proxy https;
    private final List<String> noProxy;

    public EnvProxySelector(Function<String, String> env) {
        this.http = proxy(first(env, "HTTP_PROXY", "http_proxy"));
        this.https = proxy(first(env, "HTTPS_PROXY", "https_proxy"));
        List<String> np = new ArrayList<>();
        String raw = first(env, "NO_PROXY", "no_proxy");
        if (raw != null) {
            for (String s : raw.split(",")) {
                if (!s.isBlank()) {
                    np.add(s.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        this.noProxy = np;
    }

    private static String first(Function<String, String> env, String a, String b) {
        String v = env.apply(a);
        return v != null && !v.isBlank() ? v : env.apply(b);
    }

    private static Proxy proxy(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        URI u = URI.create(value.contains("://") ? value : "http://" + value);
        int port = u.getPort() > 0 ? u.getPort() : 80;
        return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(u.getHost(), port));
    }

    /** True when {@code host} must be reached directly. */
    public boolean bypass(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]")) {
            return true;
        }
        for (String n : noProxy) {
            String bare = n.startsWith("*.") ? n.substring(1) : n;
            if (n.equals("*") || h.equals(bare) || (bare.startsWith(".") && h.endsWith(bare)) || h.endsWith("." + bare)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Proxy> select(URI uri) {
        Proxy p = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
        if (p == null || uri.getHost() == null || bypass(uri.getHost())) {
            return List.of(Proxy.NO_PROXY);
        }
        return List.of(p);
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        // nothing to remember: retries are the downloader's business
    }
}
