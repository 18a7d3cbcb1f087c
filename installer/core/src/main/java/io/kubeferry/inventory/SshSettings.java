package io.kubeferry.inventory;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach and act on one host over SSH: the inventory's {@code ssh:} defaults merged with the host's own.
 *
 * @param password           password for password / keyboard-interactive auth, or null
 * @param privateKeyFile     private key file, or null
 * @param passphrase         the key's passphrase, or null
 * @param sudo               how to become root when {@code user} is not root
 * @param sudoPassword       for {@link Sudo#PASSWORD}: fed on stdin, never on a command line; defaults to {@code password}
 * @param bastion            jump host, or null
 * @param hostKeyFingerprint pinned host key ({@code SHA256:...}), or null to use known_hosts
 * @param knownHostsFile     known_hosts file checked when no fingerprint is pinned
 * @param hostKeyPolicy      what to do with a host missing from known_hosts
 */
public record SshSettings(String user, int port, Secret password, Path privateKeyFile, Secret passphrase,
                          Sudo sudo, Secret sudoPassword, Bastion bastion, String hostKeyFingerprint,
                          Path knownHostsFile, HostKeyPolicy hostKeyPolicy, Duration connectTimeout) {

    public enum Sudo { NONE, PASSWORDLESS, PASSWORD }

    public enum HostKeyPolicy {
        /** Refuse hosts not in known_hosts (default, like OpenSSH's StrictHostKeyChecking=yes). */
        STRICT,
        /** Record keys of new hosts, refuse changed ones (OpenSSH's accept-new). */
        ACCEPT_NEW
    }

    /** A jump host through which the target is reached. */
    public record Bastion(String address, int port, String user, Secret password, Path privateKeyFile,
                          Secret passphrase, String hostKeyFingerprint) {
    }

    public boolean needsSudo() {
        return !"root".equals(user) && sudo != Sudo.NONE;
    }
}
