package io.kubeferry.render;

import io.kubeferry.host.HostFile;
import io.kubeferry.component.Addon;
import io.kubeferry.component.ComponentOutput;
import io.kubeferry.errors.Problem;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An edited template can render text that is no longer YAML; that must stop the render with the file and
 * line, not surface later as a failed apply or a kubelet that ignores a manifest.
 */
final class YamlCheck {
    private YamlCheck() {
    }

    static List<Problem> check(String component, ComponentOutput output) {
        List<Problem> problems = new ArrayList<>();
        for (Map.Entry<String, List<HostFile>> e : output.filesByHost().entrySet()) {
            for (HostFile f : e.getValue()) {
                if (f.path().endsWith(".yaml") || f.path().endsWith(".yml")) {
                    String error = parseError(f.text());
                    if (error != null) {
                        problems.add(Problem.error("component " + component + ", " + e.getKey() + ":" + f.path(),
                                "the rendered file is not valid YAML (" + error + "); check the templates in "
                                        + "templates/" + component + "/"));
                    }
                }
            }
        }
        for (Addon a : output.addons()) {
            String error = parseError(a.yaml());
            if (error != null) {
                problems.add(Problem.error("component " + component + ", addon " + a.name(),
                        "the rendered addon is not valid YAML (" + error + "); check the templates in templates/"
                                + component + "/"));
                continue;
            }
            // config files carried inside ConfigMaps (kubeconfigs, component configs, JSON CNI configs)
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(a.yaml())) {
                if (doc instanceof Map<?, ?> m && "ConfigMap".equals(m.get("kind")) && m.get("data") instanceof Map<?, ?> data) {
                    for (Map.Entry<?, ?> d : data.entrySet()) {
                        String key = String.valueOf(d.getKey());
                        boolean config = EMBEDDED.contains(key) || key.endsWith(".conf") || key.endsWith(".yaml")
                                || key.endsWith(".json");
                        if (config && d.getValue() instanceof String) {
                            String inner = parseError(String.valueOf(d.getValue()));
                            if (inner != null) {
                                problems.add(Problem.error("component " + component + ", addon " + a.name()
                                        + ", ConfigMap " + name(m) + " key " + key, "not valid YAML/JSON (" + inner
                                        + "); check the templates in templates/" + component + "/"));
                            }
                        }
                    }
                }
            }
        }
        return problems;
    }

    private static final List<String> EMBEDDED = List.of("ClusterConfiguration", "kubelet", "kubeconfig");

    private static String name(Map<?, ?> doc) {
        return doc.get("metadata") instanceof Map<?, ?> md ? String.valueOf(md.get("name")) : "?";
    }

    /** Null when every document parses; otherwise the parser's problem with its line in the rendered text. */
    static String parseError(String text) {
        try {
            for (Object ignored : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text)) {
                // parsing every document is the check
            }
            return null;
        } catch (MarkedYAMLException e) {
            return "line " + (e.getProblemMark().getLine() + 1) + ": " + e.getProblem();
        } catch (YAMLException e) {
            String m = e.getMessage();
            return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
        }
    }
}
