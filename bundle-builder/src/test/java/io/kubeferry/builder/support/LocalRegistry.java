package io.kubeferry.builder.support;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real {@code docker-registry} (distribution 2.8) on 127.0.0.1, storage in a temp dir, optionally with
 * htpasswd (bcrypt) authentication. Images are pushed with the real {@code skopeo}.
 */
public final class LocalRegistry implements AutoCloseable {
    private static final String INSTANCE_HEADER = "X-Kubeferry-Test-Registry";
    private final Process process;
    private final int port;
    private final String credentials;
    private final Path log;

    private LocalRegistry(Process process, int port, String credentials, Path log) {
        this.process = process;
        this.port = port;
        this.credentials = credentials;
        this.log = log;
    }

    /** The registry's output including its access log (one combined-format line per request). */
    public String log() throws IOException {
        return Files.readString(log);
    }

    /** @param user null for an open registry, else the only user of an htpasswd-protected one */
    public static LocalRegistry start(Path dir, String user, String password) throws IOException, InterruptedException {
        return start(dir, user, password, null, null);
    }

    /** A registry in token mode: clients must fetch a bearer token from {@code realm} (see {@link TokenServer}). */
    public static LocalRegistry startWithTokenAuth(Path dir, String realm, Path rootCert, String user, String password)
            throws IOException, InterruptedException {
        return start(dir, user, password, realm, rootCert);
    }

    private static LocalRegistry start(Path dir, String user, String password, String realm, Path rootCert)
            throws IOException, InterruptedException {
        return start(dir, user, password, realm, rootCert, LocalRegistry::freePort);
    }

    /** A port free at the time of asking. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @param ports where to try binding, asked again after each failed bind */
    static LocalRegistry start(Path dir, String user, String password, String realm, Path rootCert,
                               java.util.function.IntSupplier ports) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("storage"));
        String auth = "";
        if (realm != null) {
            auth = "auth:\n  token:\n    realm: " + realm + "\n    service: " + TokenServer.SERVICE
                    + "\n    issuer: " + TokenServer.ISSUER + "\n    rootcertbundle: " + rootCert + "\n";
        } else if (user != null) {
            Path htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, Processes.run(List.of("htpasswd", "-Bbn", user, password)).strip() + "\n");
            auth = "auth:\n  htpasswd:\n    realm: kubeferry-test\n    path: " + htpasswd + "\n";
        }
        // the port is only known free when probed: another process may take it before the registry binds, so a
        // failed bind is retried on a new port
        IOException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            int port = ports.getAsInt();
            // a header only this instance sends: readiness is this registry's own answer, not whoever has the port
            String instance = UUID.randomUUID().toString();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, "version: 0.1\nlog:\n  level: error\n"
                    + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage") + "\n"
                    + "http:\n  addr: 127.0.0.1:" + port + "\n  headers:\n    " + INSTANCE_HEADER + ": [" + instance + "]\n"
                    + auth);
            Path log = dir.resolve("registry.log");
            Process p = new ProcessBuilder("docker-registry", "serve", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            LocalRegistry r = new LocalRegistry(p, port, user == null ? null : user + ":" + password, log);
            for (int i = 0; i < 200 && p.isAlive(); i++) {
                if (answersAsRegistry(r.host(), instance)) {
                    return r;
                }
                Thread.sleep(50);
            }
            r.close();
            String output = Files.readString(log);
            if (!output.contains("address already in use")) {
                throw new IOException("docker-registry did not start on port " + port + ": " + output);
            }
            last = new IOException("docker-registry could not bind port " + port + ": " + output);
        }
        throw last;
    }

    /** The distribution API's base endpoint answers (200 open, 401 with auth) with its version header and our instance id. */
    private static boolean answersAsRegistry(String host, String instance) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + "/v2/").toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            try {
                int code = c.getResponseCode();
                return (code == 200 || code == 401)
                        && "registry/2.0".equals(c.getHeaderField("Docker-Distribution-Api-Version"))
                        && instance.equals(c.getHeaderField(INSTANCE_HEADER));
            } finally {
                c.disconnect();
            }
        } catch (IOException notYet) {
            return false; // still starting
        }
    }

    public String host() {
        return "127.0.0.1:" + port;
    }

    /**
     * Pushes {@code oci:<layout>:<tag>} to {@code <host>/<repo>:<tag>} with skopeo.
     *
     * @param format null to keep the OCI manifest, "v2s2" to convert to Docker schema 2
     */
    public void push(Path layout, String tag, String repo, String format) throws IOException, InterruptedException {
        copy("oci:" + layout + ":" + tag, repo + ":" + tag, format);
    }

    /** Pushes the single image of an OCI archive ({@code oci-archive:}, a layout in a tar) to {@code <host>/<repoAndTag>}. */
    public void pushArchive(Path ociArchive, String repoAndTag) throws IOException, InterruptedException {
        copy("oci-archive:" + ociArchive, repoAndTag, null);
    }

    private void copy(String source, String repoAndTag, String format) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false"));
        if (format != null) {
            cmd.addAll(List.of("--format", format));
        }
        if (credentials != null) {
            cmd.addAll(List.of("--dest-creds", credentials));
        }
        cmd.add(source);
        cmd.add("docker://" + host() + "/" + repoAndTag);
        Processes.run(cmd);
    }

    /** The digest the registry serves for repo:tag, as skopeo sees it (an independent check of our client). */
    public String digest(String repo, String tag) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "inspect", "--raw", "--tls-verify=false"));
        if (credentials != null) {
            cmd.addAll(List.of("--creds", credentials));
        }
        cmd.add("docker://" + host() + "/" + repo + ":" + tag);
        byte[] raw = Processes.runBytes(cmd);
        return "sha256:" + io.kubeferry.bundle.Sha256.ofBytes(raw);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For messages. */
    @Override
    public String toString() {
        return "registry " + host() + (credentials != null ? " (htpasswd)" : "");
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
