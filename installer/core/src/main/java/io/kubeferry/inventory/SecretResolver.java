package io.kubeferry.inventory;

import io.kubeferry.yaml.YamlCursor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the inventory's references into values: paths relative to the inventory's directory (and {@code ~}),
 * secrets written inline, as {@code ${env:NAME}} or as {@code ${file:path}}. For {@link InventoryLoader.Use#LOCAL}
 * nothing outside the file is read: secrets stay unresolved (null) and key files are not opened.
 */
final class SecretResolver {
    private static final Pattern SECRET_REF = Pattern.compile("\\$\\{(env|file):([^}]+)}");

    private final Path baseDir;
    private final Function<String, String> environment;
    private final InventoryLoader.Use use;

    SecretResolver(Path baseDir, Function<String, String> environment, InventoryLoader.Use use) {
        this.baseDir = baseDir;
        this.environment = environment;
        this.use = use;
    }

    boolean readsCredentials() {
        return use == InventoryLoader.Use.HOSTS;
    }

    /** A path as written, {@code ~} expanded, relative ones against the inventory's directory. */
    Path path(String s) {
        if (s == null) return null;
        if (s.equals("~") || s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        return baseDir.resolve(s).normalize();
    }

    /** A file the installer will read (a private key): checked readable only when the hosts are used. */
    Path credentialFile(YamlCursor c, String what) {
        String s = Syntax.text(c);
        if (s == null) return null;
        Path p = path(s);
        if (readsCredentials() && (!Files.isRegularFile(p) || !Files.isReadable(p))) {
            c.error(what + " file " + p + " does not exist or cannot be read");
        }
        return p;
    }

    /**
     * A literal, {@code ${env:NAME}} or {@code ${file:path}}; null when absent, in error, or not read (local use).
     * Values never appear in messages.
     */
    Secret secret(YamlCursor c) {
        String s = c == null ? null : c.string().orElse(null);
        if (s == null) return null;
        Matcher m = SECRET_REF.matcher(s.trim());
        if (!m.matches()) {
            if (s.contains("${")) {
                c.error("secret references look like ${env:NAME} or ${file:path}");
                return null;
            }
            return Secret.of(s, "inline");
        }
        if (!readsCredentials()) {
            return null;
        }
        String ref = m.group(2).trim();
        if (m.group(1).equals("env")) {
            String v = environment.apply(ref);
            if (v == null) {
                c.error("environment variable " + ref + " is not set; export it before running the installer");
                return null;
            }
            return Secret.of(v, "env:" + ref);
        }
        Path p = path(ref);
        try {
            String v = Files.readString(p, StandardCharsets.UTF_8);
            return Secret.of(v.endsWith("\n") ? v.substring(0, v.length() - 1) : v, "file:" + p);
        } catch (IOException e) {
            c.error("cannot read secret file " + p + ": " + InventoryInput.reason(e));
            return null;
        }
    }
}
