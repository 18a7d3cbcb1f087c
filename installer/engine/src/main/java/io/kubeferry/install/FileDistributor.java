package io.kubeferry.install;

import io.kubeferry.host.RemoteHost;

import java.nio.file.Path;

/**
 * How a bundle file reaches a host. The distribute phase only asks for files to be there; a relay (hosts
 * passing files on to each other) can replace the plain copy here without touching any phase.
 */
public interface FileDistributor {
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
