package io.kubeferry.inventory;

import io.kubeferry.yaml.YamlCursor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code ssh:} sections: the defaults at the top and each host's own, merged into one {@link SshSettings}
 * per host. Credentials are required (and read) only for {@link InventoryLoader.Use#HOSTS}.
 */
final class SshSection {
    static final Set<String> SSH_KEYS = Set.of("user", "port", "password", "privateKeyFile", "passphrase", "sudo",
            "sudoPassword", "bastion", "hostKeyFingerprint", "knownHostsFile", "hostKeyPolicy", "connectTimeout");
    static final Set<String> BASTION_KEYS = Set.of("address", "port", "user", "password", "privateKeyFile",
            "passphrase", "hostKeyFingerprint");
    private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}=?");

    /**
     * SSH settings as written at one level (top or host), before merging: null means "not set here". The
     * {@code ...Written} flags say a credential was written even when its value was not read (local use, or an
     * unset variable already reported where it is written).
     */
    record Draft(String user, Integer port, Secret password, Boolean passwordWritten, Path privateKeyFile,
                 Secret passphrase, SshSettings.Sudo sudo, Secret sudoPassword, Boolean sudoPasswordWritten,
                 SshSettings.Bastion bastion, String hostKeyFingerprint, Path knownHostsFile,
                 SshSettings.HostKeyPolicy hostKeyPolicy, Duration connectTimeout) {
        static final Draft EMPTY = new Draft(null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);

        Draft over(Draft base) {
            return new Draft(or(user, base.user), or(port, base.port), or(password, base.password),
                    or(passwordWritten, base.passwordWritten), or(privateKeyFile, base.privateKeyFile),
                    or(passphrase, base.passphrase), or(sudo, base.sudo), or(sudoPassword, base.sudoPassword),
                    or(sudoPasswordWritten, base.sudoPasswordWritten), or(bastion, base.bastion),
                    or(hostKeyFingerprint, base.hostKeyFingerprint), or(knownHostsFile, base.knownHostsFile),
                    or(hostKeyPolicy, base.hostKeyPolicy), or(connectTimeout, base.connectTimeout));
        }

        private static <T> T or(T a, T b) {
            return a != null ? a : b;
        }
    }

    private final SecretResolver resolver;

    SshSection(SecretResolver resolver) {
        this.resolver = resolver;
    }

    Draft parse(YamlCursor c) {
        Map<String, YamlCursor> f = c.fields(SSH_KEYS);
        String user = Syntax.text(f.get("user"));
        Integer port = f.containsKey("port") ? f.get("port").integer(1, 65535).orElse(null) : null;
        Secret password = resolver.secret(f.get("password"));
        Path key = resolver.credentialFile(f.get("privateKeyFile"), "private key");
        Secret passphrase = resolver.secret(f.get("passphrase"));
        SshSettings.Sudo sudo = choice(f.get("sudo"), Map.of("none", SshSettings.Sudo.NONE,
                "passwordless", SshSettings.Sudo.PASSWORDLESS, "password", SshSettings.Sudo.PASSWORD),
                "sudo mode", "use none, passwordless or password");
        Secret sudoPassword = resolver.secret(f.get("sudoPassword"));
        SshSettings.Bastion bastion = f.containsKey("bastion") ? bastion(f.get("bastion")) : null;
        String fingerprint = fingerprint(f.get("hostKeyFingerprint"));
        Path knownHosts = f.containsKey("knownHostsFile") ? resolver.path(Syntax.text(f.get("knownHostsFile"))) : null;
        SshSettings.HostKeyPolicy policy = choice(f.get("hostKeyPolicy"), Map.of("strict", SshSettings.HostKeyPolicy.STRICT,
                "accept-new", SshSettings.HostKeyPolicy.ACCEPT_NEW), "policy", "use strict (default) or accept-new");
        Duration timeout = f.containsKey("connectTimeout") ? Syntax.duration(f.get("connectTimeout"), null) : null;
        return new Draft(user, port, password, f.containsKey("password") ? true : null, key, passphrase, sudo,
                sudoPassword, f.containsKey("sudoPassword") ? true : null, bastion, fingerprint, knownHosts, policy,
                timeout);
    }

    /** One of a few words, or null (with an error naming the choices when the word is unknown). */
    private static <T> T choice(YamlCursor c, Map<String, T> choices, String what, String hint) {
        if (c == null) {
            return null;
        }
        Optional<String> s = c.string();
        T value = s.map(choices::get).orElse(null);
        if (s.isPresent() && value == null) {
            c.error("unknown " + what + " '" + s.get() + "'; " + hint);
        }
        return value;
    }

    private SshSettings.Bastion bastion(YamlCursor c) {
        Map<String, YamlCursor> f = c.fields(BASTION_KEYS);
        String address = Syntax.text(f.get("address"));
        if (address == null) {
            c.error("missing 'address' of the bastion (jump host)");
        }
        int port = f.containsKey("port") ? f.get("port").integer(1, 65535).orElse(22) : 22;
        String user = Optional.ofNullable(Syntax.text(f.get("user"))).orElse("root");
        Secret password = resolver.secret(f.get("password"));
        Path key = resolver.credentialFile(f.get("privateKeyFile"), "private key");
        if (!f.containsKey("password") && key == null && address != null && resolver.readsCredentials()) {
            c.error("the bastion needs 'password' or 'privateKeyFile'");
        }
        return new SshSettings.Bastion(address, port, user, password, key, resolver.secret(f.get("passphrase")),
                fingerprint(f.get("hostKeyFingerprint")));
    }

    private static String fingerprint(YamlCursor c) {
        String s = Syntax.text(c);
        if (s != null && !FINGERPRINT.matcher(s).matches()) {
            c.error("'" + s + "' is not an OpenSSH SHA256 fingerprint; get it with"
                    + " `ssh-keyscan HOST | ssh-keygen -lf -` (looks like SHA256:base64...)");
            return null;
        }
        return s;
    }

    /**
     * Checks the credentials of one host entry (once, however many hosts its ranges name) when the hosts are
     * used: some way to log in, and a sudo password when sudo needs one.
     */
    void checkCredentials(Draft d, YamlCursor hostCursor, String hostName) {
        if (!resolver.readsCredentials()) {
            return;
        }
        if (d.passwordWritten() == null && d.privateKeyFile() == null) {
            hostCursor.error("no SSH credentials for host '" + hostName + "': set ssh.privateKeyFile or ssh.password"
                    + " (at the top for all hosts, or under this host)");
        }
        if (sudo(d) == SshSettings.Sudo.PASSWORD && d.sudoPasswordWritten() == null && d.passwordWritten() == null) {
            hostCursor.error("sudo: password needs ssh.sudoPassword (or ssh.password) for host '" + hostName + "'");
        }
    }

    private static String user(Draft d) {
        return d.user() != null ? d.user() : "root";
    }

    private static SshSettings.Sudo sudo(Draft d) {
        return d.sudo() != null ? d.sudo()
                : "root".equals(user(d)) ? SshSettings.Sudo.NONE
                : d.sudoPasswordWritten() != null ? SshSettings.Sudo.PASSWORD : SshSettings.Sudo.PASSWORDLESS;
    }

    /** The settings of one host, defaults filled in. */
    static SshSettings settings(Draft d) {
        Secret sudoPassword = d.sudoPassword() != null ? d.sudoPassword() : d.password();
        Path knownHosts = d.knownHostsFile() != null ? d.knownHostsFile()
                : Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
        return new SshSettings(user(d), d.port() != null ? d.port() : 22, d.password(), d.privateKeyFile(), d.passphrase(),
                sudo(d), sudoPassword, d.bastion(), d.hostKeyFingerprint(), knownHosts,
                d.hostKeyPolicy() != null ? d.hostKeyPolicy() : SshSettings.HostKeyPolicy.STRICT,
                d.connectTimeout() != null ? d.connectTimeout() : Duration.ofSeconds(10));
    }
}
