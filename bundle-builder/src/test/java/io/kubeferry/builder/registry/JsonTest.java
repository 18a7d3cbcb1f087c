package io.kubeferry.builder.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void readsJsonThatIsNotYamlFriendly() {
        String json = "{\n\t\"schemaVersion\": 2,\n\t\"mediaType\": \"application\\/vnd.oci.image.index.v1+json\",\n"
                + "\t\"manifests\": [{\"size\": 9007199254740993, \"annotations\": {\"a\": \"tab\\there \\u00e9\"}}]\n}";
        Map<String, Object> m = Json.object(Json.parse(json.getBytes(StandardCharsets.UTF_8)), "test");
        assertEquals("application/vnd.oci.image.index.v1+json", m.get("mediaType"));
        Map<?, ?> entry = (Map<?, ?>) Json.array(m.get("manifests"), "m").get(0);
        assertEquals(9007199254740993L, ((Number) entry.get("size")).longValue());
        assertEquals("tab\there \u00e9", ((Map<?, ?>) entry.get("annotations")).get("a"));
        assertEquals(List.of(), Json.array(null, "absent"));
        assertEquals("\"a\\\"b\\\\c\\n\"", Json.quote("a\"b\\c\n"));
    }
}
