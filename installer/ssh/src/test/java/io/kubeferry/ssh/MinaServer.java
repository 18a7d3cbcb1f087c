package io.kubeferry.ssh;

import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Role;
import io.kubeferry.inventory.Secret;
import io.kubeferry.inventory.SshSettings;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.helpers.AbstractSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.auth.keyboard.UserAuthKeyboardInteractiveFactory;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.apache.sshd.server.shell.ProcessShellCommandFactory;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real in-process SSH server (Apache MINA SSHD) on loopback that runs commands with /bin/sh and serves
 * SFTP on the local file system: the user is always root, as on an installer target.
 */
final class MinaServer implements AutoCloseable {
    static final String PASSWORD = "correct horse battery staple";

    final SshServer sshd;
    final KeyPair hostKey;
    /** direct-tcpip targets the server was asked to open (bastion use). */
    final List<String> forwardedTo = new CopyOnWriteArrayList<>();

    private MinaServer(SshServer sshd, KeyPair hostKey) {
        this.sshd = sshd;
        this.hostKey = hostKey;
    }

    /**
     * @param authorizedKeys public keys accepted, or null for password only
     * @param methods        auth methods offered: "publickey", "password", "keyboard-interactive"
     */
    static MinaServer start(Path authorizedKeys, Set<String> methods) throws IOException {
        return start(authorizedKeys, methods, newHostKey());
    }

    static MinaServer start(Path authorizedKeys, Set<String> methods, KeyPair hostKey) throws IOException {
        return start(authorizedKeys, methods, hostKey, ProcessShellCommandFactory.INSTANCE);
    }

    /** A server that runs commands with {@code commands} instead of /bin/sh. */
    static MinaServer start(Set<String> methods, CommandFactory commands) throws IOException {
        return start(null, methods, newHostKey(), commands);
    }

    private static KeyPair newHostKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(256);
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MinaServer start(Path authorizedKeys, Set<String> methods, KeyPair hostKey, CommandFactory commands)
            throws IOException {
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        sshd.setPasswordAuthenticator((user, pw, session) -> "root".equals(user) && PASSWORD.equals(pw));
        if (authorizedKeys != null) {
            sshd.setPublickeyAuthenticator(new AuthorizedKeysAuthenticator(authorizedKeys));
        }
        List<UserAuthFactory> auth = new ArrayList<>();
        if (methods.contains("publickey")) {
            auth.add(UserAuthPublicKeyFactory.INSTANCE);
        }
        if (methods.contains("keyboard-interactive")) {
            auth.add(UserAuthKeyboardInteractiveFactory.INSTANCE);
        }
        if (methods.contains("password")) {
            auth.add(UserAuthPasswordFactory.INSTANCE);
        }
        sshd.setUserAuthFactories(auth);
        sshd.setCommandFactory(commands);
        sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        MinaServer server = new MinaServer(sshd, hostKey);
        sshd.setForwardingFilter(new org.apache.sshd.server.forward.ForwardingFilter() {
            @Override
            public boolean canForwardAgent(org.apache.sshd.common.session.Session s, String type) {
                return false;
            }

            @Override
            public boolean canForwardX11(org.apache.sshd.common.session.Session s, String type) {
                return false;
            }

            @Override
            public boolean canListen(SshdSocketAddress address, org.apache.sshd.common.session.Session s) {
                return false;
            }

            @Override
            public boolean canConnect(TcpForwardingFilter.Type type, SshdSocketAddress address,
                                      org.apache.sshd.common.session.Session s) {
                server.forwardedTo.add(address.getHostName() + ":" + address.getPort());
                return true;
            }
        });
        sshd.start();
        return server;
    }

    int port() {
        return sshd.getPort();
    }

    String fingerprint() {
        return KeyUtils.getFingerPrint(hostKey.getPublic());
    }

    /** A known_hosts line for this server. */
    String knownHostsLine() {
        return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey.getPublic());
    }

    /** Drops every client connection from the server side, like a killed sshd. */
    void dropAllSessions() {
        for (AbstractSession s : sshd.getActiveSessions()) {
            s.close(true);
        }
    }

    int activeSessions() {
        return sshd.getActiveSessions().size();
    }

    @Override
    public void close() throws IOException {
        sshd.stop(true);
    }

    static SshSettings settings(int port, Secret password, Path key, Secret passphrase, String pinned, Path knownHosts,
                                SshSettings.HostKeyPolicy policy, SshSettings.Bastion bastion) {
        return new SshSettings("root", port, password, key, passphrase, SshSettings.Sudo.NONE, null, bastion, pinned,
                knownHosts, policy, Duration.ofSeconds(5));
    }

    static Host host(String name, SshSettings ssh) {
        return new Host(name, "127.0.0.1", "127.0.0.1", ssh, Set.of(Role.WORKER), Map.of(), List.of());
    }

    Host passwordHost(Path knownHosts) throws IOException {
        Files.writeString(knownHosts, knownHostsLine() + "\n");
        return host("mina", settings(port(), Secret.of(PASSWORD, "test"), null, null, null, knownHosts,
                SshSettings.HostKeyPolicy.STRICT, null));
    }
}
