package io.kubeferry.ssh;

import com.jcraft.jsch.Session;
import io.kubeferry.errors.HostFailureException;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Connections to bastions, shared by the hosts behind them: one SSH connection per bastion, with one
 * direct-tcpip channel per host. Reconnects a bastion whose connection died.
 *
 * <p>One attempt per bastion is shared by every host waiting for it, and the lock is never held while
 * connecting, so a dead bastion costs one connect timeout, not one per host. A failed attempt is remembered
 * for the rest of the run (the life of this object): the hosts behind it fail at once with the same reason.
 */
final class BastionSessions implements AutoCloseable {
    private final SshOptions options;
    private final Map<String, CompletableFuture<Session>> sessions = new HashMap<>();
    private boolean closed;

    BastionSessions(SshOptions options) {
        this.options = options;
    }

    Session get(Endpoint bastion) {
        CompletableFuture<Session> attempt;
        boolean ours = false;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("bastion connections already closed");
            }
            attempt = sessions.get(bastion.key());
            if (attempt != null && attempt.isDone() && !attempt.isCompletedExceptionally()
                    && !attempt.join().isConnected()) {
                attempt.join().disconnect();
                attempt = null;
            }
            if (attempt == null) {
                attempt = new CompletableFuture<>();
                sessions.put(bastion.key(), attempt);
                ours = true;
            }
        }
        if (ours) {
            connect(bastion, attempt);
        }
        try {
            return attempt.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostFailureException(bastion.hostName(), "interrupted while connecting to bastion "
                    + bastion.display(), e);
        } catch (ExecutionException e) {
            throw forHost(bastion.hostName(), e.getCause());
        }
    }

    private void connect(Endpoint bastion, CompletableFuture<Session> attempt) {
        try {
            Session s = SessionOpener.open(bastion, null, "", options);
            synchronized (this) {
                // under the lock: close() either sees the session and disconnects it, or we see closed
                if (!closed) {
                    attempt.complete(s);
                    return;
                }
            }
            s.disconnect();
            attempt.completeExceptionally(new IllegalStateException("bastion connections already closed"));
        } catch (RuntimeException | Error e) {
            attempt.completeExceptionally(e);
        }
    }

    /** The remembered failure, told about the host asking now (the first attempt was made for another host). */
    private static RuntimeException forHost(String hostName, Throwable failure) {
        if (failure instanceof HostFailureException h && !h.host().equals(hostName)) {
            return new HostFailureException(hostName, h.reason(), h);
        }
        if (failure instanceof RuntimeException r) {
            return r;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(failure);
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (CompletableFuture<Session> attempt : sessions.values()) {
            if (attempt.isDone() && !attempt.isCompletedExceptionally()) {
                attempt.join().disconnect();
            }
        }
        sessions.clear();
    }
}
