package io.kubeferry.ssh;

import com.jcraft.jsch.Identity;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.UIKeyboardInteractive;
import com.jcraft.jsch.UserInfo;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.inventory.Secret;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Opens one authenticated, host-key-checked JSch session and turns every way that can fail into a clear error. */
final class SessionOpener {
    private SessionOpener() {
    }

    /**
     * @param proxy  a tunnel through a bastion, or null for a direct TCP connection
     * @param via    for messages: how the connection was made (e.g. " via bastion root@10.0.0.1:22"), or ""
     */
    static Session open(Endpoint ep, Proxy proxy, String via, SshOptions options) {
        JSch jsch = new JSch();
        List<String> methods = new ArrayList<>();
        if (ep.privateKeyFile() != null) {
            addKey(jsch, ep);
            methods.add("publickey");
        }
        if (ep.password() != null) {
            // password first: it is what most servers offer, and a wrong one then fails in one server delay
            methods.add("password");
            methods.add("keyboard-interactive");
        }
        if (methods.isEmpty()) {
            throw new BadInputException(ep.hostName(), "no SSH credentials for " + ep.display() + ": set "
                    + ep.settingsPrefix() + ".password or " + ep.settingsPrefix() + ".privateKeyFile");
        }
        HostKeyVerifier verifier = new HostKeyVerifier(ep.hostName(), ep.display(), ep.knownHostsFile(),
                ep.hostKeyPolicy(), ep.pinnedFingerprint(), ep.settingsPrefix() + ".hostKeyFingerprint");
        Session session;
        try {
            session = jsch.getSession(ep.user(), ep.address(), ep.port());
        } catch (JSchException e) {
            throw new BadInputException(ep.hostName(), "bad SSH address " + ep.display() + ": " + e.getMessage());
        }
        session.setHostKeyRepository(verifier);
        session.setConfig("StrictHostKeyChecking", "yes");
        session.setConfig("PreferredAuthentications", String.join(",", methods));
        session.setUserInfo(new Credentials(ep.password(), ep.passphrase()));
        AuthFailureWatch authFailure = new AuthFailureWatch();
        session.setLogger(authFailure);
        session.setDaemonThread(true);
        if (proxy != null) {
            session.setProxy(proxy);
        }
        try {
            if (options.keepAliveInterval() != null && !options.keepAliveInterval().isZero()) {
                session.setServerAliveInterval((int) options.keepAliveInterval().toMillis());
                session.setServerAliveCountMax(3);
            }
        } catch (JSchException e) {
            throw new IllegalStateException(e);
        }

        // JSch bounds each socket read by the timeout, but not the whole handshake (nor reads through a
        // bastion tunnel); a watchdog cuts the session when the configured time is up.
        AtomicBoolean done = new AtomicBoolean();
        AtomicBoolean timedOut = new AtomicBoolean();
        long started = System.nanoTime();
        CompletableFuture.delayedExecutor(ep.timeoutMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (!done.get()) {
                timedOut.set(true);
                session.disconnect();
            }
        });
        try {
            session.connect(ep.timeoutMillis());
            done.set(true);
            if (timedOut.get()) {
                throw new JSchException("timed out");
            }
            return session;
        } catch (JSchException e) {
            done.set(true);
            session.disconnect();
            long ms = (System.nanoTime() - started) / 1_000_000;
            throw translate(e, ep, verifier, via, timedOut.get() || ms >= ep.timeoutMillis(), authFailure.failure);
        }
    }

    private static void addKey(JSch jsch, Endpoint ep) {
        String where = ep.settingsPrefix() + ".privateKeyFile";
        if (!Files.isReadable(ep.privateKeyFile())) {
            throw new BadInputException(ep.hostName(), where + " " + ep.privateKeyFile()
                    + " does not exist or is not readable");
        }
        try {
            if (ep.passphrase() != null) {
                jsch.addIdentity(ep.privateKeyFile().toString(), ep.passphrase().revealBytes());
            } else {
                jsch.addIdentity(ep.privateKeyFile().toString());
            }
        } catch (JSchException e) {
            if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("passphrase")) {
                throw new BadInputException(ep.hostName(), where + " " + ep.privateKeyFile() + " is encrypted and "
                        + ep.settingsPrefix() + ".passphrase does not decrypt it");
            }
            throw new BadInputException(ep.hostName(), where + " " + ep.privateKeyFile()
                    + " is not a private key JSch can read (" + e.getMessage() + ")");
        }
        for (Identity id : jsch.getIdentityRepository().getIdentities()) {
            if (id.isEncrypted()) {
                throw new BadInputException(ep.hostName(), where + " " + ep.privateKeyFile() + " is encrypted and "
                        + (ep.passphrase() == null ? "no " + ep.settingsPrefix() + ".passphrase is set"
                        : ep.settingsPrefix() + ".passphrase does not decrypt it"));
            }
        }
    }

    /**
     * @param timedOut    whether the connect timeout ran out
     * @param authFailure what broke the connection while JSch was authenticating (JSch reports it as
     *                    "Auth fail", like a refusal), or null
     */
    private static KubeferryException translate(JSchException e, Endpoint ep, HostKeyVerifier verifier, String via,
                                                boolean timedOut, Throwable authFailure) {
        if (verifier.refusal() != null) {
            return verifier.refusal();
        }
        String target = ep.display() + via;
        String msg = String.valueOf(e.getMessage());
        Throwable root = rootCause(e);
        String what;
        String timeout = ep.connectTimeout().toMillis() / 1000.0 + "s";
        if (verifier.accepted() && (timedOut || authFailure instanceof SocketTimeoutException)) {
            what = "timed out after " + timeout + " during authentication to " + target + ": the server showed its"
                    + " host key, then did not answer the login (a slow PAM, LDAP or DNS lookup there?); raise"
                    + " ssh.connectTimeout if the server is just slow";
        } else if (verifier.accepted() && authFailure != null) {
            what = "connection closed by " + target + " during authentication, before it accepted or refused the"
                    + " credentials (" + describe(authFailure) + "); see the server's sshd log (MaxStartups,"
                    + " AllowUsers/DenyUsers, PAM account rules)";
        } else if (msg.startsWith("Auth fail") || msg.startsWith("Auth cancel")) {
            what = "authentication refused by " + target + "; check " + ep.settingsPrefix() + ".user, "
                    + ep.settingsPrefix() + ".password / " + ep.settingsPrefix() + ".privateKeyFile";
        } else if (root instanceof ConnectException) {
            what = "cannot connect to " + target + ": connection refused (is sshd running there, and is "
                    + ep.settingsPrefix() + ".port right?)";
        } else if (root instanceof NoRouteToHostException) {
            what = "cannot connect to " + target + ": no route to host";
        } else if (root instanceof UnknownHostException) {
            what = "cannot connect to " + target + ": unknown host name " + ep.address();
        } else if (timedOut || root instanceof SocketTimeoutException || msg.contains("timeout")) {
            what = "cannot connect to " + target + ": timed out after " + timeout
                    + " (host down or a firewall dropping packets? raise ssh.connectTimeout if the network is slow)";
        } else if (e instanceof com.jcraft.jsch.JSchAlgoNegoFailException) {
            what = "cannot connect to " + target + ": no common algorithm with the server (" + msg + ")";
        } else if (msg.contains("channel is not opened") || msg.contains("failed to open")) {
            what = "cannot connect to " + target + ": the bastion could not open a connection to it"
                    + " (refused or unreachable from the bastion)";
        } else {
            what = "cannot connect to " + target + ": " + describe(e);
        }
        return new HostFailureException(ep.hostName(), what, e);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    private static String describe(Throwable e) {
        Throwable r = rootCause(e);
        String m = r.getMessage();
        if (r != e && m != null) {
            return m + (e.getMessage() != null && !e.getMessage().contains(m) ? " (" + e.getMessage() + ")" : "");
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Keeps the exception JSch swallows during authentication: JSch logs it, then reports "Auth fail" as if
     * the server had refused the credentials, also when the connection broke or timed out.
     */
    private static final class AuthFailureWatch implements com.jcraft.jsch.Logger {
        volatile Throwable failure;

        @Override
        public boolean isEnabled(int level) {
            return level >= WARN;
        }

        @Override
        public void log(int level, String message) {
        }

        @Override
        public void log(int level, String message, Throwable cause) {
            if (cause != null && message != null && message.startsWith("an exception during authentication")) {
                failure = cause;
            }
        }
    }

    /**
     * Answers JSch's questions with what the inventory says; never prompts a human. The password is given
     * once per method: JSch would otherwise retry a wrong one up to MaxAuthTries times, each costing the
     * server's failure delay (about 2 s with PAM), and overrun the connect timeout.
     */
    private static final class Credentials implements UserInfo, UIKeyboardInteractive {
        private final Secret password;
        private final Secret passphrase;
        private int passwordPrompts;
        private int keyboardRounds;

        Credentials(Secret password, Secret passphrase) {
            this.password = password;
            this.passphrase = passphrase;
        }

        @Override
        public String getPassphrase() {
            return passphrase == null ? null : passphrase.reveal();
        }

        @Override
        public String getPassword() {
            return password == null ? null : password.reveal();
        }

        @Override
        public synchronized boolean promptPassword(String message) {
            // JSch asks again only after the server rejected the password
            return password != null && passwordPrompts++ == 0;
        }

        @Override
        public boolean promptPassphrase(String message) {
            return passphrase != null;
        }

        @Override
        public boolean promptYesNo(String message) {
            return false;
        }

        @Override
        public void showMessage(String message) {
        }

        @Override
        public synchronized String[] promptKeyboardInteractive(String destination, String name, String instruction,
                                                               String[] prompt, boolean[] echo) {
            boolean asksSecret = false;
            for (boolean e : echo) {
                asksSecret |= !e;
            }
            boolean rejected = passwordPrompts > 1 || (asksSecret && keyboardRounds++ > 0);
            if (password == null || rejected) {
                return null;
            }
            // Servers using PAM ask for the password in one prompt; answer every non-echoed prompt with it.
            String[] answers = new String[prompt.length];
            for (int i = 0; i < prompt.length; i++) {
                answers[i] = echo[i] ? "" : password.reveal();
            }
            return answers;
        }
    }
}
