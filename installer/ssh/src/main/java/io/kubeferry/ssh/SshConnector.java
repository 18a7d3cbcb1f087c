package io.kubeferry.ssh;

import io.kubeferry.inventory.Host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Connects to many hosts and runs work on them in parallel, at most {@code concurrency} at a time,
 * collecting every host's outcome instead of stopping at the first failure. Hosts behind the same
 * bastion share one connection to it; {@link #close()} closes those (close the hosts first).
 */
public final class SshConnector implements AutoCloseable {
    private final int concurrency;
    private final SshOptions options;
    private final BastionSessions bastions;

    public SshConnector(int concurrency) {
        this(concurrency, SshOptions.defaults());
    }

    public SshConnector(int concurrency, SshOptions options) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        this.concurrency = concurrency;
        this.options = options;
        this.bastions = new BastionSessions(options);
    }

    /** Connects to one host, sharing this connector's bastion connections. */
    public SshHost connect(Host host) {
        return SshHost.connect(host, options, bastions, false);
    }

    /** Connects to every host; the map is in the order of {@code hosts}, keyed by host name. */
    public Map<String, HostOutcome<SshHost>> connectAll(Collection<Host> hosts) {
        Map<String, Host> byName = new LinkedHashMap<>();
        hosts.forEach(h -> byName.put(h.name(), h));
        return onEach(byName.keySet(), name -> connect(byName.get(name)));
    }

    /** Runs {@code work} on each host, in parallel up to the concurrency limit. */
    public <H extends io.kubeferry.host.RemoteHost, T> Map<String, HostOutcome<T>> runOnAll(Collection<H> hosts,
                                                                                            Function<? super H, T> work) {
        Map<String, H> byName = new LinkedHashMap<>();
        hosts.forEach(h -> byName.put(h.name(), h));
        return onEach(byName.keySet(), name -> work.apply(byName.get(name)));
    }

    private <T> Map<String, HostOutcome<T>> onEach(Collection<String> names, Function<String, T> work) {
        Map<String, HostOutcome<T>> results = new LinkedHashMap<>();
        if (names.isEmpty()) {
            return results;
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, names.size()), r -> {
            Thread t = new Thread(r, "kubeferry-ssh-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<HostOutcome<T>>> futures = new ArrayList<>();
            for (String name : names) {
                futures.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    try {
                        T v = work.apply(name);
                        return new HostOutcome<>(name, v, null, Duration.ofNanos(System.nanoTime() - t0));
                    } catch (RuntimeException e) {
                        return new HostOutcome<>(name, null, e, Duration.ofNanos(System.nanoTime() - t0));
                    }
                }));
            }
            for (Future<HostOutcome<T>> f : futures) {
                HostOutcome<T> o = f.get();
                results.put(o.host(), o);
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
            throw new IllegalStateException("interrupted while working on hosts", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    /** A per-host summary, one line per host, failures with their message. */
    public static String summary(Map<String, ? extends HostOutcome<?>> outcomes) {
        int width = outcomes.keySet().stream().mapToInt(String::length).max().orElse(4);
        return outcomes.values().stream().map(o -> o.summaryLine(width)).collect(Collectors.joining("\n"));
    }

    /** Hosts that failed, with their error. */
    public static <T> Map<String, RuntimeException> failures(Map<String, HostOutcome<T>> outcomes) {
        Map<String, RuntimeException> m = new LinkedHashMap<>();
        outcomes.values().stream().filter(o -> !o.ok()).forEach(o -> m.put(o.host(), o.error()));
        return m;
    }

    @Override
    public void close() {
        bastions.close();
    }
}
