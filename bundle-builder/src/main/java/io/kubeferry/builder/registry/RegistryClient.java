package io.kubeferry.builder.registry;

import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.bundle.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution API, pull side: resolves tags to manifests (OCI and Docker v2 schema 2, indexes and
 * manifest lists narrowed to the wanted platforms), fetches blobs into the {@link ContentCache} verified by digest
 * and resumable. Authenticates anonymously, with a bearer token obtained from the {@code WWW-Authenticate}
 * challenge (with basic credentials when there are some), or with basic auth.
 */
public final class RegistryClient {
    /** Bounds the wait for a manifest's response headers (a held-open connection otherwise waits minutes per try). */
    static final Duration MANIFEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final HttpClient http;
    private final Downloader downloader;
    private final RegistryCredentials credentials;
    private final Predicate<String> plainHttp;
    /** Authorization header per host and repository, learnt from challenges. */
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();

    /**
     * @param http      a client that does NOT follow redirects (blob redirects must drop the Authorization header)
     * @param plainHttp hosts to reach over HTTP instead of HTTPS
     */
    public RegistryClient(HttpClient http, Downloader downloader, RegistryCredentials credentials, Predicate<String> plainHttp) {
        this.http = http;
        this.downloader = downloader;
        this.credentials = credentials;
        this.plainHttp = plainHttp;
    }

    /** A client without automatic redirects, with proxies from the environment. */
    public static HttpClient defaultClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(30))
                .proxy(new io.kubeferry.builder.fetch.EnvProxySelector(System::getenv))
                .build();
    }

    /** Loopback registries speak plain HTTP, like Docker's default insecure-registry rule. */
    public static boolean isLoopback(String host) {
        String h = host.replaceFirst(":\\d+$", "");
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
    }

    /**
     * Resolves an image for the wanted platforms, storing its manifests (and configs) in the cache.
     *
     * @param name   the name the image will carry
     * @param source where to pull from (the name itself, or its mirrored form)
     */
    public ResolvedImage resolve(ImageReference name, ImageReference source, List<Platform> wanted) {
        try {
            return resolveChecked(name, source, wanted);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(source.registry(), "malformed manifest for " + source + ": " + e.getMessage(), false);
        }
    }

    private ResolvedImage resolveChecked(ImageReference name, ImageReference source, List<Platform> wanted) {
        Fetched top = manifest(source, source.manifestReference(), null);
        Descriptor topDesc = new Descriptor(top.mediaType, "sha256:" + top.hex, top.size, null);
        List<ResolvedImage.PlatformManifest> out = new ArrayList<>();
        if (MediaTypes.isIndex(top.mediaType)) {
            Map<String, Object> index = json(source, top.bytes, "index");
            List<Descriptor> children = new ArrayList<>();
            for (Object m : Json.array(index.get("manifests"), source + " manifests")) {
                children.add(Descriptor.from(m, source + " index entry"));
            }
            for (Platform p : wanted) {
                Descriptor child = children.stream()
                        .filter(c -> c.platform() != null && p.accepts(c.platform()) && MediaTypes.isManifest(c.mediaType()))
                        .findFirst()
                        .orElseThrow(() -> new RegistryException(source.registry(), "image " + source + " has no " + p
                                + " variant (it has: " + children.stream().map(c -> String.valueOf(c.platform())).toList()
                                + ")", true));
                Fetched m = manifest(source, child.digest(), child.digest());
                out.add(platformManifest(source, p, new Descriptor(m.mediaType, child.digest(), m.size, child.platform()), m));
            }
        } else if (MediaTypes.isManifest(top.mediaType)) {
            ResolvedImage.PlatformManifest pm = platformManifest(source, null, topDesc, top);
            Platform actual = pm.platform();
            for (Platform p : wanted) {
                if (!p.accepts(actual)) {
                    throw new RegistryException(source.registry(), "image " + source + " is a single-platform image for "
                            + actual + ", the bundle needs " + p + "; use a multi-platform tag or one bundle per arch", true);
                }
            }
            out.add(pm);
        } else {
            throw new RegistryException(source.registry(), "image " + source + ": unsupported manifest type " + top.mediaType
                    + " (schema 1 images are not supported; push it again with a current client)", false);
        }
        return new ResolvedImage(name, source, topDesc, out);
    }

    private ResolvedImage.PlatformManifest platformManifest(ImageReference source, Platform platform, Descriptor desc, Fetched m) {
        Map<String, Object> manifest = json(source, m.bytes, "manifest");
        Descriptor config = Descriptor.from(manifest.get("config"), source + " config");
        List<Descriptor> layers = new ArrayList<>();
        for (Object l : Json.array(manifest.get("layers"), source + " layers")) {
            layers.add(Descriptor.from(l, source + " layer"));
        }
        Path configFile = fetchBlob(source, config);
        Platform actual = platform;
        if (actual == null) {
            try {
                Map<String, Object> cfg = json(source, Files.readAllBytes(configFile), "config");
                actual = new Platform(String.valueOf(cfg.get("os")), String.valueOf(cfg.get("architecture")),
                        cfg.get("variant") == null ? null : String.valueOf(cfg.get("variant")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new ResolvedImage.PlatformManifest(actual, desc, config, layers);
    }

    /** Fetches a blob into the cache (resuming a partial one), verified by digest and size. */
    public Path fetchBlob(ImageReference source, Descriptor blob) {
        String path = "/v2/" + source.repository() + "/blobs/" + blob.digest();
        return downloader.fetch(source.name() + "@" + blob.digest().substring(0, 19), source.registry(),
                source.name() + "@" + blob.digest(), blob.hex(), blob.size(), offset -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(uri(source, path)).GET().timeout(downloader.stallTimeout());
                    if (offset > 0) {
                        b.header("Range", "bytes=" + offset + "-");
                    }
                    return sendFollowing(source, b, HttpResponse.BodyHandlers.ofInputStream(), offset);
                });
    }

    private record Fetched(String mediaType, String hex, long size, byte[] bytes) {
    }

    /** GETs a manifest, checks its digest and keeps a copy in the cache (the packer copies these exact bytes). */
    private Fetched manifest(ImageReference source, String reference, String expectedDigest) {
        String path = "/v2/" + source.repository() + "/manifests/" + reference;
        IOException last = null;
        for (int attempt = 1; attempt <= 4; attempt++) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(uri(source, path)).GET().timeout(MANIFEST_TIMEOUT)
                        .header("Accept", MediaTypes.ACCEPT);
                HttpResponse<InputStream> resp = send(source, b, HttpResponse.BodyHandlers.ofInputStream());
                byte[] body = downloader.readBody(resp.body()); // small; read even on errors to free the connection
                int status = resp.statusCode();
                if (status == 404) {
                    throw new RegistryException(source.registry(), "image " + source.name() + ":" + reference
                            + " not found (check the tag, the repository name and the mirror)", true);
                }
                if (status >= 500 || status == 429) {
                    last = new IOException("HTTP " + status);
                    sleep(attempt);
                    continue;
                }
                if (status != 200) {
                    throw new RegistryException(source.registry(), "GET manifest " + source.name() + ":" + reference
                            + " returned HTTP " + status + denied(status, source), false);
                }
                String hex = Sha256.ofBytes(body);
                Optional<String> header = resp.headers().firstValue("Docker-Content-Digest");
                String want = expectedDigest != null ? expectedDigest
                        : reference.startsWith("sha256:") ? reference : header.orElse(null);
                if (want != null && !want.equals("sha256:" + hex)) {
                    throw new RegistryException(source.registry(), "manifest of " + source.name() + ":" + reference
                            + " has digest sha256:" + hex + ", expected " + want + " (corrupted in transit or by a proxy)", false);
                }
                String mediaType = resp.headers().firstValue("Content-Type").map(s -> s.split(";")[0].trim()).orElse(null);
                Object declared = json(source, body, "manifest").get("mediaType");
                if (declared instanceof String d && MediaTypes.KNOWN.contains(d)) {
                    mediaType = d;
                }
                downloader.cache().putBytes(body);
                return new Fetched(mediaType, hex, body.length, body);
            } catch (IOException e) {
                last = e;
                sleep(attempt);
            }
        }
        throw new RegistryException(source.registry(), "GET manifest " + source.name() + ":" + reference + " failed after 4 attempts: "
                + io.kubeferry.builder.fetch.NetworkErrors.describe(last, source.apiHost(), MANIFEST_TIMEOUT), last);
    }

    private String denied(int status, ImageReference source) {
        if (status == 401 || status == 403) {
            return credentials.lookup(source.apiHost()).isPresent()
                    ? " (the credentials for " + source.registry() + " were refused)"
                    : " (the registry needs credentials: add a 'registries:' entry to the spec or run docker login)";
        }
        return "";
    }

    /** Sends with the known authorization; on 401 answers the challenge and sends once more. */
    private <T> HttpResponse<T> send(ImageReference source, HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler)
            throws IOException {
        String key = source.apiHost() + "/" + source.repository();
        String auth = authorizations.get(key);
        HttpRequest request = (auth != null ? b.copy().header("Authorization", auth) : b.copy()).build();
        HttpResponse<T> resp = sendInterruptibly(request, handler);
        if (resp.statusCode() != 401) {
            return resp;
        }
        String challenge = resp.headers().firstValue("WWW-Authenticate").orElse("");
        closeQuietly(resp);
        String newAuth = authorize(source, challenge);
        if (newAuth == null) {
            return sendInterruptibly(b.copy().build(), handler);
        }
        authorizations.put(key, newAuth);
        return sendInterruptibly(b.copy().header("Authorization", newAuth).build(), handler);
    }

    /** Blob GETs may redirect to storage; follow without our Authorization header (storage signs its own URLs). */
    private HttpResponse<InputStream> sendFollowing(ImageReference source, HttpRequest.Builder b,
                                                    HttpResponse.BodyHandler<InputStream> handler, long offset) throws IOException {
        HttpResponse<InputStream> resp = send(source, b, handler);
        for (int hop = 0; hop < 5 && resp.statusCode() / 100 == 3; hop++) {
            String location = resp.headers().firstValue("Location").orElse(null);
            closeQuietly(resp);
            if (location == null) {
                throw new IOException("redirect without Location");
            }
            URI next = resp.uri().resolve(location);
            HttpRequest.Builder nb = HttpRequest.newBuilder(next).GET().timeout(downloader.stallTimeout());
            if (offset > 0) {
                nb.header("Range", "bytes=" + offset + "-");
            }
            resp = sendInterruptibly(nb.build(), handler);
        }
        if (resp.statusCode() == 401 || resp.statusCode() == 403) {
            closeQuietly(resp);
            throw new RegistryException(source.registry(), "blob of " + source.name() + " refused: HTTP " + resp.statusCode()
                    + denied(resp.statusCode(), source), false);
        }
        return resp;
    }

    /** Turns a WWW-Authenticate challenge into an Authorization header value, or null to go anonymous. */
    private String authorize(ImageReference source, String challenge) throws IOException {
        Optional<RegistryCredentials.Login> login = credentials.lookup(source.apiHost());
        if (login.isEmpty() && !source.apiHost().equals(source.registry())) {
            login = credentials.lookup(source.registry());
        }
        String basic = login.map(l -> "Basic " + Base64.getEncoder().encodeToString(
                (l.username() + ":" + l.password().reveal()).getBytes(StandardCharsets.UTF_8))).orElse(null);
        String scheme = challenge.split("\\s+", 2)[0];
        if (scheme.equalsIgnoreCase("Basic")) {
            if (basic == null) {
                throw new RegistryException(source.registry(), "the registry asks for a user name and password for "
                        + source.name() + ": add a 'registries:' entry with username and passwordEnv to the spec, or run docker login", false);
            }
            return basic;
        }
        if (!scheme.equalsIgnoreCase("Bearer")) {
            throw new RegistryException(source.registry(), "unsupported authentication scheme '" + scheme + "'", false);
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1), m.group(2));
        }
        String realm = params.get("realm");
        if (realm == null) {
            throw new RegistryException(source.registry(), "bearer challenge without a realm: " + challenge, false);
        }
        StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
        if (params.containsKey("service")) {
            q.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8)).append('&');
        }
        String scope = params.getOrDefault("scope", "repository:" + source.repository() + ":pull");
        q.append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        HttpRequest.Builder tb = HttpRequest.newBuilder(URI.create(q.toString())).GET().timeout(Duration.ofMinutes(1));
        if (basic != null) {
            tb.header("Authorization", basic);
        }
        HttpResponse<InputStream> resp = sendInterruptibly(tb.build(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] tokenBody = downloader.readBody(resp.body());
        if (resp.statusCode() != 200) {
            throw new RegistryException(source.registry(), "token service " + realm + " refused a pull token for "
                    + source.name() + ": HTTP " + resp.statusCode() + denied(401, source), false);
        }
        Map<String, Object> token = json(source, tokenBody, "token response");
        Object t = token.get("token") != null ? token.get("token") : token.get("access_token");
        if (!(t instanceof String s) || s.isBlank()) {
            throw new RegistryException(source.registry(), "token service " + realm + " returned no token", false);
        }
        return "Bearer " + s;
    }

    /** Parses a registry's JSON; garbage from a registry or proxy is the remote's failure, not ours. */
    private static Map<String, Object> json(ImageReference source, byte[] body, String what) {
        try {
            return Json.object(Json.parse(body), what);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(source.registry(), "invalid " + what + " JSON for " + source + ": " + e.getMessage(), false);
        }
    }

    private URI uri(ImageReference source, String path) {
        String host = source.apiHost();
        boolean plain = plainHttp.test(source.registry()) || isLoopback(host);
        return URI.create((plain ? "http://" : "https://") + host + path);
    }

    private <T> HttpResponse<T> sendInterruptibly(HttpRequest r, HttpResponse.BodyHandler<T> h) throws IOException {
        try {
            return http.send(r, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void closeQuietly(HttpResponse<?> resp) {
        if (resp.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the response is discarded anyway
            }
        }
    }

    private static void sleep(int attempt) {
        try {
            Thread.sleep(250L << attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The cached bytes of a manifest or config, by digest. */
    public Path cached(Descriptor d) {
        return downloader.cache().find(d.hex()).orElseThrow(() -> new IllegalStateException("not in cache: " + d.digest()));
    }
}
