package io.kubeferry.render;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the render tests. */
final class TestSupport {
    /** A CA certificate stand-in: cluster-info only base64-embeds it, nothing parses it here. */
    static final byte[] FAKE_CA_PEM = ("-----BEGIN CERTIFICATE-----\nTUlJQnRlc3Qtb25seS1jYS1zdGFuZC1pbg==\n"
            + "-----END CERTIFICATE-----\n").getBytes(StandardCharsets.US_ASCII);

    private TestSupport() {
    }

    /** Every YAML document in the text, parsed with snakeyaml's safe constructor. */
    static List<Object> yamlDocs(String text) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Object> docs = new ArrayList<>();
        for (Object o : yaml.loadAll(text)) {
            if (o != null) {
                docs.add(o);
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yamlMap(String text) {
        return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    @SuppressWarnings("unchecked")
    static Object at(Object node, String... path) {
        Object cur = node;
        for (String p : path) {
            if (cur instanceof Map<?, ?> m) {
                cur = m.get(p);
            } else if (cur instanceof List<?> l) {
                cur = l.get(Integer.parseInt(p));
            } else {
                throw new AssertionError("no " + p + " in " + cur);
            }
        }
        return cur;
    }

    static Path repoRoot() {
        String p = System.getProperty("kubeferry.repo.root");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        Path here = Path.of("").toAbsolutePath();
        return here.getFileName().toString().equals("render") ? here.getParent().getParent() : here;
    }

    record Proc(int exit, String output) {
    }

    static Proc run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Proc(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
