package io.kubeferry.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kubeferry.errors.Problem;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

class YamlCursorTest {
    private final List<Problem> problems = new ArrayList<>();

    private Map<String, YamlCursor> read(String yaml, Set<String> allowed) {
        return new YamlCursor("t.yaml", new Yaml(new LoaderOptions()).compose(new StringReader(yaml)), "", problems)
                .fields(allowed);
    }

    private List<String> formatted() {
        return problems.stream().map(Problem::format).toList();
    }

    @Test
    void textTrimsAndRejectsBlankNullAndNonScalars() {
        Map<String, YamlCursor> f = read("a: '  x '\nb: ''\nc:\nd: [1]\n", Set.of("a", "b", "c", "d"));
        assertEquals("x", f.get("a").text());
        assertNull(f.get("b").text());
        assertNull(f.get("c").text());
        assertNull(f.get("d").text());
        assertEquals(List.of("t.yaml:2:4 (b): expected a non-empty value",
                "t.yaml:3:3 (c): expected a non-empty value",
                "t.yaml:4:4 (d): expected a single value, found a list"), formatted());
    }

    @Test
    void textsSkipsBadItemsAndReportsEach() {
        Map<String, YamlCursor> f = read("l: [a, ' b ', '', {k: v}]\nn:\n", Set.of("l", "n"));
        assertEquals(List.of("a", "b"), f.get("l").texts());
        assertEquals(List.of(), f.get("n").texts());
        assertEquals(List.of("t.yaml:1:15 (l[2]): expected a non-empty value",
                "t.yaml:1:19 (l[3]): expected a single value, found a mapping"), formatted());
    }

    @Test
    void unknownKeySuggestsTheClosestAllowedKey() {
        read("imagesList: [x]\n", Set.of("images", "imageLists"));
        assertEquals(List.of("t.yaml:1:1 (imagesList): unknown key 'imagesList'; did you mean 'imageLists'? (allowed: imageLists, images)"),
                formatted());
    }
}
