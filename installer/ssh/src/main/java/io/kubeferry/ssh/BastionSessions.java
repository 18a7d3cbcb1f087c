package io.kubeferry.ssh;

import com.jcraft.jsch.Session;

import java.util.HashMap;
import java.util.Map;

/**
 * Connections to bastions, shared by the hosts behind them: one SSH connection per bastion, with one
 * direct-tcpip channel per host. Reconnects a bastion whose connection died.
 */
final class BastionSessions implements AutoCloseable {
    private final SshOptions options;
    private final Map<String, Session> sessions = new HashMap<>();
    private boolean closed;

    BastionSessions(SshOptions options) {
        this.options = options;
    }

    synchronized Session get(Endpoint bastion) {
        if (closed) {
            throw new IllegalStateException("bastion connections already closed");
        }
        Session s = sessions.get(bastion.key());
        if (s != null && s.isConnected()) {
            return s;
        }
        s = SessionOpener.open(bastion, null, "", options);
        sessions.put(bastion.key(), s);
        return s;
    }

    @Override
    public synchronized void close() {
        closed = true;
        sessions.values().forEach(Session::disconnect);
        sessions.clear();
    }
}
