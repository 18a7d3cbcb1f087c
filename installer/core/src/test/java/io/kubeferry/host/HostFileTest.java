package io.kubeferry.host;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HostFileTest {
    @Test
    void copiesItsBytesBothWaysAndComparesByValue() {
        byte[] bytes = "key".getBytes();
        HostFile f = new HostFile("/etc/kubernetes/pki/ca.key", bytes, 0600);
        bytes[0] = 'X';
        f.content()[1] = 'X';
        assertEquals("key", f.text());
        assertEquals("0600", f.modeOctal());
        assertEquals(HostFile.text("/etc/kubernetes/pki/ca.key", "key", 0600), f);
        assertNotEquals(HostFile.text("/etc/kubernetes/pki/ca.key", "key", 0644), f);
        assertEquals("/etc/kubernetes/pki/ca.key (0600, 3 bytes)", f.toString());
    }

    @Test
    void refusesRelativeOrUpwardPaths() {
        for (String bad : new String[]{"etc/x", "/etc/../root/x", "/etc/..", ""}) {
            assertThrows(IllegalArgumentException.class, () -> HostFile.text(bad, "", 0644), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> HostFile.text("/etc/x", "", 010000));
    }
}
