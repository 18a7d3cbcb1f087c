package io.kubeferry.text;

import io.kubeferry.inventory.Addresses;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuotingTest {
    @Test
    void doubleQuotedReadsBackAsTheSameStringInYaml() {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        for (String s : List.of("plain", "a \"quoted\" \\ path", "two\nlines\r\n", "tab\there", "bell\u0007 del\u007f",
                "{not: a map}", "- not a list", "true", "caf\u00e9 \u2603")) {
            String quoted = Quoting.doubleQuoted(s);
            Map<String, Object> doc = yaml.load("k: " + quoted);
            assertEquals(s, doc.get("k"), quoted);
        }
        assertEquals("\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u007f\"", Quoting.doubleQuoted("a\"b\\c\n\r\t\u0001\u007f"));
    }

    @Test
    void ipv6AddressesAreBracketedNextToAPort() {
        assertEquals("[fd00::1]", Addresses.bracketed("fd00::1"));
        assertEquals("10.0.0.1", Addresses.bracketed("10.0.0.1"));
        assertEquals("api.example.com:6443", Addresses.hostPort("api.example.com", 6443));
        assertEquals("https://[fd00::1]:2379", Addresses.httpsUrl("fd00::1", 2379));
    }
}
