package io.kubeferry.builder.registry;

import io.kubeferry.inventory.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Basic-auth credentials per registry host: given in the bundle spec, else from Docker's
 * {@code config.json} ({@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}, the {@code auths}
 * entries that {@code docker login} writes). Credential helpers are not run.
 */
public final class RegistryCredentials {
    /** A user and password; the password stays a {@link Secret} so it never prints. */
    public record Login(String username, Secret password) {
    }

    private final Map<String, Login> byHost = new HashMap<>();

    public void put(String host, Login login) {
        byHost.put(host, login);
    }

    public Optional<Login> lookup(String host) {
        Login l = byHost.get(host);
        if (l == null && host.equals("registry-1.docker.io")) {
            l = byHost.get("docker.io");
        }
        return Optional.ofNullable(l);
    }

    /** Adds the {@code auths} of a Docker config file; entries already present (from the spec) win. */
    public void addDockerConfig(Path configJson) throws IOException {
        if (!Files.isRegularFile(configJson)) {
            return;
        }
        Object parsed = Json.parse(Files.readAllBytes(configJson));
        if (!(parsed instanceof Map<?, ?> root) || !(root.get("auths") instanceof Map<?, ?> auths)) {
            return;
        }
        for (Map.Entry<?, ?> e : auths.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> entry) || !(entry.get("auth") instanceof String auth)) {
                continue;
            }
            String decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String host = hostOf(String.valueOf(e.getKey()));
            byHost.putIfAbsent(host, new Login(decoded.substring(0, colon),
                    Secret.of(decoded.substring(colon + 1), "docker config " + configJson)));
        }
    }

    /** The default Docker config location. */
    public static Path dockerConfigPath() {
        String dir = System.getenv("DOCKER_CONFIG");
        return dir != null && !dir.isBlank() ? Path.of(dir, "config.json")
                : Path.of(System.getProperty("user.home"), ".docker", "config.json");
    }

    static String hostOf(String key) {
        String k = key.replaceFirst("^https?://", "");
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        return k.equals("index.docker.io") ? "docker.io" : k;
    }
}
