package io.kubeferry.ssh;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The connect timeout is the inventory's: its default when the inventory says nothing, else what it says. */
class EndpointTest {
    @TempDir
    Path dir;

    private Host load(String ssh) throws IOException {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                cluster:
                  kubernetesVersion: 1.34.1
                ssh:
                  password: secret
                %s
                hosts:
                  - name: cp1
                    address: 192.0.2.10
                    roles: [control-plane]
                """.formatted(ssh));
        Inventory i = InventoryLoader.load(inv);
        return i.hosts().get(0);
    }

    @Test
    void inventoryDefaultTimeoutIsUsedForHostAndBastion() throws IOException {
        Host h = load("""
                  bastion: {address: 192.0.2.1, password: secret}
                """);
        assertEquals(h.ssh().connectTimeout(), Endpoint.of(h).connectTimeout());
        assertEquals(Duration.ofSeconds(10), Endpoint.of(h).connectTimeout(), "the inventory's default");
        assertEquals(Duration.ofSeconds(10), Endpoint.bastionOf(h).connectTimeout());
    }

    @Test
    void inventoryTimeoutIsUsedAsGiven() throws IOException {
        Host h = load("""
                  connectTimeout: 3s
                """);
        assertEquals(Duration.ofSeconds(3), Endpoint.of(h).connectTimeout());
        assertEquals(3000, Endpoint.of(h).timeoutMillis());
    }

    @Test
    void settingsBuiltWithoutATimeoutGetTheInventoryDefault() throws IOException {
        Host loaded = load("");
        Host built = MinaServer.host("built", new io.kubeferry.inventory.SshSettings("root", 22, null, null, null,
                io.kubeferry.inventory.SshSettings.Sudo.NONE, null, null, null, null,
                io.kubeferry.inventory.SshSettings.HostKeyPolicy.STRICT, null));
        assertEquals(loaded.ssh().connectTimeout(), Endpoint.of(built).connectTimeout());
    }
}
