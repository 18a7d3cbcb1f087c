package io.kubeferry.ssh;

import io.kubeferry.inventory.Host;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/** Tests' way to connect many hosts at once through one {@link SshConnector} (production uses the phase runner). */
final class ParallelConnect {
    private ParallelConnect() {
    }

    /** Starts connecting every host on {@code pool}; the futures are keyed by host name, in the order given. */
    static Map<String, Future<SshHost>> start(SshConnector c, ExecutorService pool, List<Host> hosts) {
        Map<String, Future<SshHost>> out = new LinkedHashMap<>();
        for (Host h : hosts) {
            out.put(h.name(), pool.submit(() -> c.connect(h)));
        }
        return out;
    }

    /** The failure that stopped a host's connection; fails the test if it connected. */
    static RuntimeException failureOf(String host, Future<SshHost> connecting) throws InterruptedException {
        try {
            SshHost connected = connecting.get();
            connected.close();
            throw new AssertionError(host + " connected, expected a failure");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                return r;
            }
            throw new AssertionError(host + ": unexpected " + e.getCause(), e.getCause());
        }
    }

    /** Closes every host that did connect, whatever happened to the others. */
    static void closeConnected(Iterable<Future<SshHost>> connecting) throws InterruptedException {
        for (Future<SshHost> f : connecting) {
            try {
                f.get().close();
            } catch (ExecutionException failedToConnect) {
                // nothing to close
            }
        }
    }
}
