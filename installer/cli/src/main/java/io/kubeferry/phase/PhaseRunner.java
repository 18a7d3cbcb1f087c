package io.kubeferry.phase;

import io.kubeferry.console.Console;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.inventory.Host;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs phases in order, hosts in parallel within a phase. Reports each phase and host with its duration,
 * names the phase and host of any failure, and after a failure calls {@link Phase#cleanUp} on the phases
 * that ran, newest first.
 */
public final class PhaseRunner {
    /** One line of the final summary. */
    public record HostOutcome(String phase, String status, Duration took, String detail) {
    }

    private final Map<String, HostOutcome> lastOutcome = new TreeMap<>();

    public void run(RunContext ctx, List<Phase> phases) {
        Console console = ctx.console();
        Deque<Phase> done = new ArrayDeque<>();
        boolean dry = ctx.options().dryRun();
        for (Phase phase : phases) {
            long start = System.nanoTime();
            console.phaseStarted(phase.title() + (dry && !phase.readOnly() ? " (dry run)" : ""));
            try {
                phase.prepare(ctx);
                if (!phase.shouldRun(ctx)) {
                    console.phaseFinished(phase.title(), "skipped", since(start));
                    continue;
                }
                done.push(phase);
                if (dry && !phase.readOnly()) {
                    phase.dryRun(ctx);
                } else {
                    phase.run(ctx);
                }
                console.phaseFinished(phase.title(), "ok", since(start));
            } catch (RuntimeException e) {
                console.phaseFinished(phase.title(), "FAILED", since(start));
                if (!dry) {
                    cleanUp(ctx, done);
                }
                throw e;
            }
        }
    }

    private void cleanUp(RunContext ctx, Deque<Phase> done) {
        while (!done.isEmpty()) {
            Phase p = done.pop();
            try {
                p.cleanUp(ctx);
            } catch (RuntimeException e) {
                ctx.console().warn("clean-up of '" + p.title() + "' failed: " + reason(e));
            }
        }
    }

    /** Runs a host phase on each of its hosts, {@code concurrency} at a time; fails naming every failed host. */
    void forEachHost(RunContext ctx, HostPhase phase, boolean dryRun) {
        List<Host> hosts = phase.hosts(ctx);
        if (hosts.isEmpty()) {
            return;
        }
        int threads = Math.min(Math.min(ctx.options().concurrency(), phase.maxConcurrency()), hosts.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "host-worker");
            t.setDaemon(true);
            return t;
        });
        Map<String, Future<?>> futures = new LinkedHashMap<>();
        try {
            for (Host host : hosts) {
                futures.put(host.name(), pool.submit(() -> {
                    long start = System.nanoTime();
                    try {
                        var remote = phase.needsConnection() ? ctx.connection(host) : null;
                        if (dryRun) {
                            phase.dryRunOn(ctx, host, remote);
                        } else {
                            phase.runOn(ctx, host, remote);
                        }
                        record(ctx, host.name(), new HostOutcome(phase.title(), "ok", since(start), ""));
                    } catch (RuntimeException e) {
                        record(ctx, host.name(), new HostOutcome(phase.title(), "FAILED", since(start), reason(e)));
                        throw e;
                    }
                    return null;
                }));
            }
            Map<String, Throwable> failures = new TreeMap<>();
            for (var f : futures.entrySet()) {
                try {
                    f.getValue().get();
                } catch (ExecutionException e) {
                    failures.put(f.getKey(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failures.put(f.getKey(), e);
                }
            }
            if (!failures.isEmpty()) {
                throw new PhaseFailedException(phase.title(), failures);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void record(RunContext ctx, String host, HostOutcome outcome) {
        synchronized (lastOutcome) {
            lastOutcome.put(host, outcome);
        }
        ctx.console().hostStatus(host, outcome.status(), outcome.took(), outcome.detail());
    }

    /** The last thing that happened on each host: the per-host summary printed at the end of a run. */
    public Map<String, HostOutcome> summary() {
        synchronized (lastOutcome) {
            return new TreeMap<>(lastOutcome);
        }
    }

    /** A failure's message for one line: typed exceptions say it themselves; others add their class. */
    public static String reason(Throwable t) {
        if (t instanceof KubeferryException) {
            return t.getMessage();
        }
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Phases by title, for `installer phase <name>`. */
    public static List<String> titles(List<Phase> phases) {
        List<String> out = new ArrayList<>();
        phases.forEach(p -> out.add(p.title()));
        return out;
    }
}
