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
import java.util.concurrent.TimeUnit;

/**
 * Debian's real {@code docker-registry} (distribution 2.8) on 127.0.0.1, storage in a temp dir, optionally with
 * htpasswd (bcrypt) authentication. Images are pushed with the real {@code skopeo}.
 */
public final class LocalRegistry implements AutoCloseable {
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
        Files.createDirectories(dir.resolve("storage"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        StringBuilder yml = new StringBuilder("version: 0.1\nlog:\n  level: error\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage") + "\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n");
        if (realm != null) {
            yml.append("auth:\n  token:\n    realm: ").append(realm).append("\n    service: ").append(TokenServer.SERVICE)
                    .append("\n    issuer: ").append(TokenServer.ISSUER).append("\n    rootcertbundle: ").append(rootCert).append('\n');
        } else if (user != null) {
            Path htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, Processes.run(List.of("htpasswd", "-Bbn", user, password)).strip() + "\n");
            yml.append("auth:\n  htpasswd:\n    realm: kubeferry-test\n    path: ").append(htpasswd).append('\n');
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, yml);
        Process p = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry r = new LocalRegistry(p, port, user == null ? null : user + ":" + password, dir.resolve("registry.log"));
        for (int i = 0; i < 100; i++) {
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://" + r.host() + "/v2/").toURL().openConnection();
                int code = c.getResponseCode();
                c.disconnect();
                if (code == 200 || code == 401) {
                    return r;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (!p.isAlive()) {
                throw new IOException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            }
            Thread.sleep(100);
        }
        r.close();
        throw new IOException("docker-registry did not start on port " + port);
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
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--all", "--dest-tls-verify=false"));
        if (format != null) {
            cmd.addAll(List.of("--format", format));
        }
        if (credentials != null) {
            cmd.addAll(List.of("--dest-creds", credentials));
        }
        cmd.add("oci:" + layout + ":" + tag);
        cmd.add("docker://" + host() + "/" + repo + ":" + tag);
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
