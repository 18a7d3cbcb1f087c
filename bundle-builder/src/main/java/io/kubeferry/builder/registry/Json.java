package io.kubeferry.builder.registry;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Minimal JSON: parsing through SnakeYAML (JSON is valid YAML 1.2 flow style and SnakeYAML reads it; no extra
 * library needed) and a writer for the few documents we produce (index.json, oci-layout), with sorted, stable output.
 */
public final class Json {
    private Json() {
    }

    public static Object parse(byte[] json) {
        LoaderOptions opts = new LoaderOptions();
        opts.setCodePointLimit(64 * 1024 * 1024);
        // tabs are legal JSON whitespace but not YAML indentation: replace them outside strings is overkill; JSON from
        // registries is compact or space-indented, and a tab inside a string is escaped as \t by every encoder
        return new Yaml(new SafeConstructor(opts)).load(new String(json, StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object o, String what) {
        if (o instanceof Map) {
            return (Map<String, Object>) o;
        }
        throw new IllegalArgumentException(what + ": expected a JSON object");
    }

    @SuppressWarnings("unchecked")
    public static List<Object> array(Object o, String what) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List) {
            return (List<Object>) o;
        }
        throw new IllegalArgumentException(what + ": expected a JSON array");
    }

    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
