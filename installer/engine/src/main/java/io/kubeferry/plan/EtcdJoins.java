package io.kubeferry.plan;

import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.files.StateLock;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state directory's records of etcd members added to a running cluster: {@code etcd/joins/<host>} holds the
 * initial-cluster string etcd gave when the member was added as a learner. Rendering reads them (such a member
 * starts with {@code --initial-cluster-state=existing} and that string, for ever); a member without a record is one
 * of the first install's. remove-node deletes the record with the member, so a host added again joins again.
 */
public final class EtcdJoins {
    public static final Path DIR = Path.of("etcd", "joins");
    /** The first install's initial cluster, recorded once the cluster runs (its members keep it for ever). */
    public static final Path FIRST = Path.of("etcd", "initial-cluster");

    private EtcdJoins() {
    }

    /** The records of the inventory's etcd members (a record of a host no longer listed is ignored). */
    public static Map<String, String> read(Inventory inventory) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Host m : inventory.etcdMembers()) {
            Path f = inventory.stateDir().resolve(DIR).resolve(m.name());
            if (Files.isRegularFile(f)) {
                try {
                    out.put(m.name(), Files.readString(f, StandardCharsets.UTF_8).strip());
                } catch (IOException e) {
                    throw LocalIoFailure.of(f, "reading", e);
                }
            }
        }
        return out;
    }

    public static java.util.Optional<String> readFirst(Inventory inventory) {
        Path f = inventory.stateDir().resolve(FIRST);
        if (!Files.isRegularFile(f)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Files.readString(f, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw LocalIoFailure.of(f, "reading", e);
        }
    }

    public static void writeFirst(StateLock lock, String initialCluster) {
        lock.write(FIRST, (initialCluster + "\n").getBytes(StandardCharsets.UTF_8), 0600);
    }

    public static boolean has(Inventory inventory, Host member) {
        return Files.isRegularFile(inventory.stateDir().resolve(DIR).resolve(member.name()));
    }

    public static void write(StateLock lock, Host member, String initialCluster) {
        lock.write(DIR.resolve(member.name()), (initialCluster + "\n").getBytes(StandardCharsets.UTF_8), 0600);
    }

    public static void delete(StateLock lock, Inventory inventory, Host member) {
        lock.requireFor(inventory.stateDir());
        Path f = inventory.stateDir().resolve(DIR).resolve(member.name());
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            throw LocalIoFailure.of(f, "deleting", e);
        }
    }
}
