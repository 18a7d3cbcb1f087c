package io.kubeferry.testbed.standin;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reads a staticPodPath as the kubelet's file source does: {@code *.yaml}, {@code *.yml}, {@code *.json}; dot-files ignored. */
final class Manifests {
    private Manifests() {
    }

    /** The manifests found (pod name → pod) and, per file that could not be read, its error. */
    record Scan(Map<String, StaticPod> pods, Map<Path, String> errors) {
    }

    static Scan scan(Path dir) {
        Map<String, StaticPod> pods = new LinkedHashMap<>();
        Map<Path, String> errors = new LinkedHashMap<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return new Scan(pods, errors);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(Manifests::isManifestName).sorted().toList();
        } catch (IOException e) {
            errors.put(dir, e.toString());
            return new Scan(pods, errors);
        }
        for (Path f : files) {
            try {
                StaticPod p = parse(f, Files.readAllBytes(f));
                StaticPod other = pods.putIfAbsent(p.name(), p);
                if (other != null) {
                    errors.put(f, "pod " + p.name() + " is already defined by " + other.file());
                }
            } catch (IOException | RuntimeException e) {
                errors.put(f, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        return new Scan(pods, errors);
    }

    static boolean isManifestName(Path f) {
        String n = f.getFileName().toString();
        return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
    }

    /** One Pod manifest (YAML or JSON: snakeyaml reads both). */
    static StaticPod parse(Path file, byte[] content) {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(content, java.nio.charset.StandardCharsets.UTF_8));
        if (!(doc instanceof Map<?, ?> m) || !"Pod".equals(m.get("kind"))) {
            throw new IllegalArgumentException("invalid pod: not a Pod (kind: " + (doc instanceof Map<?, ?> mm ? mm.get("kind") : null) + ")");
        }
        String name = string(path(m, "metadata", "name"), null);
        if (name == null) {
            throw new IllegalArgumentException("invalid pod: metadata.name: Required value");
        }
        String namespace = string(path(m, "metadata", "namespace"), "default");
        Map<String, StaticPod.HostPathVolume> volumes = new LinkedHashMap<>();
        for (Map<?, ?> v : maps(path(m, "spec", "volumes"))) {
            if (path(v, "hostPath", "path") instanceof String hp) {
                volumes.put(string(v.get("name"), ""), new StaticPod.HostPathVolume(hp, string(path(v, "hostPath", "type"), "")));
            }
        }
        List<StaticPod.Container> containers = new ArrayList<>();
        for (Map<?, ?> c : maps(path(m, "spec", "containers"))) {
            List<StaticPod.Mount> mounts = new ArrayList<>();
            for (Map<?, ?> vm : maps(c.get("volumeMounts"))) {
                mounts.add(new StaticPod.Mount(string(vm.get("name"), ""), string(vm.get("mountPath"), ""),
                        Boolean.TRUE.equals(vm.get("readOnly"))));
            }
            containers.add(new StaticPod.Container(string(c.get("name"), ""), string(c.get("image"), ""),
                    strings(c.get("command")), strings(c.get("args")), mounts));
        }
        if (containers.isEmpty()) {
            throw new IllegalArgumentException("invalid pod " + name + ": spec.containers: Required value");
        }
        return new StaticPod(file, sha256(content), namespace, name, containers, volumes);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Object path(Object node, String... keys) {
        Object cur = node;
        for (String k : keys) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(k);
        }
        return cur;
    }

    static String string(Object v, String fallback) {
        return v == null ? fallback : v.toString();
    }

    private static List<Map<?, ?>> maps(Object v) {
        List<Map<?, ?>> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(o));
            }
        }
        return List.copyOf(out);
    }
}
