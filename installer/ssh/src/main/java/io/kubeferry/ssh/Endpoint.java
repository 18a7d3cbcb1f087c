package io.kubeferry.ssh;

import io.kubeferry.inventory.Addresses;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Secret;
import io.kubeferry.inventory.SshSettings;
import io.kubeferry.inventory.SshSettings.HostKeyPolicy;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything needed to open one SSH connection: to a host, or to its bastion.
 *
 * @param hostName       the inventory name, used in every message
 * @param settingsPrefix where the settings live in the inventory, for messages ({@code ssh} or {@code ssh.bastion})
 */
record Endpoint(String hostName, String settingsPrefix, String address, int port, String user, Secret password,
                Path privateKeyFile, Secret passphrase, String pinnedFingerprint, Path knownHostsFile,
                HostKeyPolicy hostKeyPolicy, Duration connectTimeout) {

    /**
     * Only for settings built in Java without a timeout: the inventory loader always sets one (10 s by default,
     * the same value), and that is what counts.
     */
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    static Endpoint of(Host host) {
        SshSettings s = host.ssh();
        return new Endpoint(host.name(), "ssh", host.address(), s.port() <= 0 ? 22 : s.port(), s.user(), s.password(),
                s.privateKeyFile(), s.passphrase(), s.hostKeyFingerprint(), knownHosts(s), s.hostKeyPolicy(),
                timeout(s));
    }

    /** Like OpenSSH: ~/.ssh/known_hosts unless the inventory names another file. */
    private static Path knownHosts(SshSettings s) {
        return s.knownHostsFile() != null ? s.knownHostsFile()
                : Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    }

    /** The bastion of a host; credentials it does not set are the host's own. */
    static Endpoint bastionOf(Host host) {
        SshSettings s = host.ssh();
        SshSettings.Bastion b = s.bastion();
        boolean ownCredentials = b.password() != null || b.privateKeyFile() != null;
        return new Endpoint(host.name(), "ssh.bastion", b.address(), b.port() <= 0 ? 22 : b.port(),
                b.user() == null || b.user().isBlank() ? s.user() : b.user(),
                ownCredentials ? b.password() : s.password(),
                ownCredentials ? b.privateKeyFile() : s.privateKeyFile(),
                ownCredentials ? b.passphrase() : s.passphrase(),
                b.hostKeyFingerprint(), knownHosts(s), s.hostKeyPolicy(), timeout(s));
    }

    private static Duration timeout(SshSettings s) {
        return s.connectTimeout() == null || s.connectTimeout().isZero() || s.connectTimeout().isNegative()
                ? DEFAULT_CONNECT_TIMEOUT : s.connectTimeout();
    }

    /** {@code user@address:port}: what the user recognizes in a message. */
    String display() {
        return user + "@" + Addresses.hostPort(address, port);
    }

    /** Identifies a bastion connection that several hosts can share. */
    String key() {
        return display() + "|" + privateKeyFile;
    }

    int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    }
}
