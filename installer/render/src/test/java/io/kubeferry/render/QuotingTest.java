package io.kubeferry.render;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code q(value)} keeps any inventory value a plain string in YAML: it can neither change type nor structure. */
class QuotingTest {
    @Test
    void trickyValuesRoundTripAsStrings() {
        List<String> values = List.of("", "true", "no", "Off", "null", "~", "6443", "0600", "0x1F", "1e3", "1.5", ".inf",
                "1:20", "10.20.0.11", "10.96.0.0/12", "fd00::1", "::", "a: b", "a #b", "#x", "- x", "[a]", "{a: 1}", "*x",
                "&a", "!tag", "|", ">", "'q'", "\"dq\"", "back\\slash", "tab\there", "new\nline", "--flag=a,b",
                "*,bootstrapsigner,tokencleaner", "@at", "%p", "`tick`", "x:", "key: value # c", "\u00e9t\u00e9", "a\u0001b");
        for (String v : values) {
            assertEquals(v, load(YamlScalarMethod.quote(v)), "q(" + v + ") = " + YamlScalarMethod.quote(v));
        }
    }

    @Test
    void randomValuesRoundTripAsStrings() {
        Random r = new Random(42);
        String alphabet = "ab01:#-,.[]{}&*!|>'\"%@` \t\\/=+~?\n";
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = r.nextInt(8); n >= 0; n--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String v = sb.toString();
            assertEquals(v, load(YamlScalarMethod.quote(v)), "q(" + v + ") = " + YamlScalarMethod.quote(v));
        }
    }

    private static Object load(String scalar) {
        Map<String, Object> m = TestSupport.yamlMap("k: " + scalar + "\n");
        return m.get("k");
    }
}
