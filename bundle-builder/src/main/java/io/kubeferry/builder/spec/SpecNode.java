package io.kubeferry.builder.spec;

import io.kubeferry.errors.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** A YAML node with its file and YAML path; collects located problems instead of throwing. */
final class SpecNode {
    private final String file;
    private final Node node;
    private final String path;
    private final List<Problem> problems;

    SpecNode(String file, Node node, String path, List<Problem> problems) {
        this.file = file;
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    String where() {
        Mark m = node.getStartMark();
        return file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1) + " (" + path + ")";
    }

    void error(String message) {
        problems.add(Problem.error(where(), message));
    }

    Map<String, SpecNode> fields(Set<String> allowed) {
        Map<String, SpecNode> out = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            error("expected a mapping (key: value lines)");
            return out;
        }
        for (NodeTuple t : mapping.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
            SpecNode keyNode = new SpecNode(file, t.getKeyNode(), join(String.valueOf(key)), problems);
            if (key == null || !allowed.contains(key)) {
                keyNode.error("unknown key '" + key + "' (allowed: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            } else if (out.containsKey(key)) {
                keyNode.error("key '" + key + "' appears twice");
            } else {
                out.put(key, new SpecNode(file, t.getValueNode(), join(key), problems));
            }
        }
        return out;
    }

    List<SpecNode> items() {
        List<SpecNode> out = new ArrayList<>();
        if (!(node instanceof SequenceNode seq)) {
            error("expected a list (lines starting with '- ')");
            return out;
        }
        for (int i = 0; i < seq.getValue().size(); i++) {
            out.add(new SpecNode(file, seq.getValue().get(i), path + "[" + i + "]", problems));
        }
        return out;
    }

    /** A non-empty scalar, or null after recording a problem. */
    String text() {
        if (node instanceof ScalarNode s && !s.getValue().isBlank()) {
            return s.getValue().trim();
        }
        error("expected a non-empty value");
        return null;
    }

    boolean bool() {
        String t = text();
        if ("true".equals(t) || "false".equals(t)) {
            return Boolean.parseBoolean(t);
        }
        if (t != null) {
            error("expected true or false, found '" + t + "'");
        }
        return false;
    }

    List<String> texts() {
        List<String> out = new ArrayList<>();
        for (SpecNode n : items()) {
            String t = n.text();
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private String join(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
