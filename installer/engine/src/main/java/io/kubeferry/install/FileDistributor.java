package io.kubeferry.install;

import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * How a bundle file reaches a host. The distribute phase only asks for files to be there; a relay (hosts
 * passing files on to each other, {@link RelayDistributor}) replaces the plain copy here without touching any phase.
 */
public interface FileDistributor {
    /**
     * One file one host needs.
     *
     * @param remotePath where the phase wants it ({@link #ensure} is then called with the same values)
     */
    record Delivery(Host host, RemoteHost remote, Path local, String remotePath, String sha256, long size) {
    }

    /**
     * Called once per run before any {@link #ensure}, with every file every host of the phase needs: a distributor
     * that moves files between hosts does its work here; {@link #ensure} then finds them there.
     *
     * @param notice where to say what the run's operator should know (a fallback to the plain copy and why)
     */
    default void prepare(List<Delivery> deliveries, Consumer<String> notice) {
    }

    /**
     * Makes sure the host has the local file at {@code remotePath} with the same sha256: sent when missing or
     * different, resumed when an earlier copy was cut, verified on arrival.
     *
     * @return true when bytes were sent, false when the host already had the file
     */
    boolean ensure(RemoteHost remote, Path local, String remotePath, int mode);

    /** Each host gets its copy from the installer's machine over its own SSH connection. */
    static FileDistributor directCopy() {
        return (remote, local, remotePath, mode) -> !remote.upload(local, remotePath, mode).skipped();
    }
}
