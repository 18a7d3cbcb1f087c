package io.kubeferry.yaml;

import io.kubeferry.errors.Location;
import io.kubeferry.errors.Problem;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A position in a YAML document (node plus its YAML path) that reads typed values and records located
 * problems instead of throwing, so that every error in a file is reported in one pass.
 */
public final class YamlCursor {
    private final String file;
    private final Node node;
    private final String path;
    private final List<Problem> problems;

    public YamlCursor(String file, Node node, String path, List<Problem> problems) {
        this.file = file;
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    public String path() {
        return path;
    }

    public Node node() {
        return node;
    }

    /** The file, line and column where this node starts, and its YAML path. */
    public Location location() {
        Mark m = node.getStartMark();
        return new Location.InFile(file, m.getLine() + 1, m.getColumn() + 1, path);
    }

    /** {@code file:line:column (yaml.path)}. */
    public String where() {
        return location().format();
    }

    public void error(String message) {
        problems.add(Problem.error(location(), message));
    }

    public void warning(String message) {
        problems.add(Problem.warning(location(), message));
    }

    /** The child cursors of a mapping, in file order; reports unknown keys (with a suggestion) and duplicates. */
    public Map<String, YamlCursor> fields(Set<String> allowed) {
        Map<String, YamlCursor> out = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            error("expected a mapping (key: value lines), found " + describe(node));
            return out;
        }
        for (NodeTuple t : mapping.getValue()) {
            Node keyNode = t.getKeyNode();
            String key = keyNode instanceof ScalarNode s ? s.getValue() : null;
            YamlCursor keyCursor = new YamlCursor(file, keyNode, join(path, String.valueOf(key)), problems);
            if (key == null) {
                keyCursor.error("keys must be plain words");
                continue;
            }
            if (!allowed.contains(key)) {
                String hint = Suggest.closest(key, allowed).map(s -> "; did you mean '" + s + "'?").orElse("");
                keyCursor.error("unknown key '" + key + "'" + hint + " (allowed: " + String.join(", ", sorted(allowed)) + ")");
                continue;
            }
            if (out.containsKey(key)) {
                keyCursor.error("key '" + key + "' appears twice");
                continue;
            }
            out.put(key, new YamlCursor(file, t.getValueNode(), join(path, key), problems));
        }
        return out;
    }

    /** A mapping with free-form string keys (labels, extraArgs): key -> cursor. */
    public Map<String, YamlCursor> entries() {
        Map<String, YamlCursor> out = new LinkedHashMap<>();
        if (isNull()) {
            return out;
        }
        if (!(node instanceof MappingNode mapping)) {
            error("expected a mapping (key: value lines), found " + describe(node));
            return out;
        }
        for (NodeTuple t : mapping.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
            YamlCursor c = new YamlCursor(file, t.getValueNode(), join(path, String.valueOf(key)), problems);
            if (key == null || out.containsKey(key)) {
                c.error(key == null ? "keys must be plain words" : "key '" + key + "' appears twice");
                continue;
            }
            out.put(key, c);
        }
        return out;
    }

    public List<YamlCursor> items() {
        List<YamlCursor> out = new ArrayList<>();
        if (isNull()) {
            return out;
        }
        if (!(node instanceof SequenceNode seq)) {
            error("expected a list (lines starting with '- '), found " + describe(node));
            return out;
        }
        for (int i = 0; i < seq.getValue().size(); i++) {
            out.add(new YamlCursor(file, seq.getValue().get(i), path + "[" + i + "]", problems));
        }
        return out;
    }

    public boolean isNull() {
        return node instanceof ScalarNode s && "tag:yaml.org,2002:null".equals(s.getTag().getValue());
    }

    /** A scalar as text; empty (with an error) for a mapping or list. */
    public Optional<String> string() {
        if (node instanceof ScalarNode s && !isNull()) {
            return Optional.of(s.getValue());
        }
        error("expected a single value, found " + describe(node));
        return Optional.empty();
    }

    /**
     * A scalar as trimmed text, or null (with an error) when it is blank, null, a mapping or a list; for readers
     * that treat every value as required text.
     */
    public String text() {
        if (node instanceof ScalarNode s && !isNull() && !s.getValue().isBlank()) {
            return s.getValue().trim();
        }
        error(node instanceof ScalarNode ? "expected a non-empty value" : "expected a single value, found " + describe(node));
        return null;
    }

    /** A list of {@link #text()} values, skipping the ones in error; nothing (an empty list) for a null value. */
    public List<String> texts() {
        List<String> out = new ArrayList<>();
        for (YamlCursor item : items()) {
            String t = item.text();
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    public Optional<Integer> integer(int min, int max) {
        return string().flatMap(s -> {
            try {
                int v = Integer.parseInt(s.trim());
                if (v < min || v > max) {
                    error("must be between " + min + " and " + max + ", got " + v);
                    return Optional.empty();
                }
                return Optional.of(v);
            } catch (NumberFormatException e) {
                error("expected a whole number, got '" + s + "'");
                return Optional.empty();
            }
        });
    }

    public Optional<Boolean> bool() {
        return string().flatMap(s -> switch (s) {
            case "true", "yes" -> Optional.of(true);
            case "false", "no" -> Optional.of(false);
            default -> {
                error("expected true or false, got '" + s + "'");
                yield Optional.empty();
            }
        });
    }

    /** Lists of scalars; a single scalar is accepted as a one-element list. */
    public List<String> strings() {
        if (node instanceof ScalarNode && !isNull()) {
            return string().map(List::of).orElse(List.of());
        }
        List<String> out = new ArrayList<>();
        for (YamlCursor item : items()) {
            item.string().ifPresent(out::add);
        }
        return out;
    }

    private static String describe(Node n) {
        if (n instanceof MappingNode) return "a mapping";
        if (n instanceof SequenceNode) return "a list";
        if (n instanceof ScalarNode s) return "tag:yaml.org,2002:null".equals(s.getTag().getValue()) ? "nothing" : "'" + s.getValue() + "'";
        return "something else";
    }

    private static String join(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }
}
