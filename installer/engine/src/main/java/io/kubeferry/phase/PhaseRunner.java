package io.kubeferry.phase;

import io.kubeferry.console.Console;
import io.kubeferry.errors.KubeferryException;
import io.kubeferry.inventory.Host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs phases in order, hosts in parallel within a phase. Reports each phase and host with its duration and
 * names the phase and host of any failure. By default the first phase that fails on any host stops the run;
 * a run that keeps going (e.g. {@code check}: show every healthy host's facts even when some hosts are down)
 * leaves the failed hosts out of later phases and fails at the end, naming all of them.
 */
public final class PhaseRunner {
    /** One line of the final summary. */
    public record HostOutcome(String phase, String status, Duration took, String detail) {
    }

    private final Map<String, HostOutcome> lastOutcome = new TreeMap<>(HostOrder.NATURAL);
    private final Map<String, Throwable> keptGoingPast = new TreeMap<>(HostOrder.NATURAL);
    private final List<String> failedPhases = new ArrayList<>();
    private final Map<String, Duration> phaseTimes = new LinkedHashMap<>();
    private volatile boolean keepGoing;

    /** Runs the phases in order; the first phase that fails stops the run. */
    public void run(RunContext ctx, List<Phase> phases) {
        run(ctx, phases, false);
    }

    /**
     * @param keepGoing when a host fails, leave it out of later phases and go on with the others; fail at the
     *                  end naming every failed host
     */
    public void run(RunContext ctx, List<Phase> phases, boolean keepGoing) {
        this.keepGoing = keepGoing;
        Console console = ctx.console();
        boolean dry = ctx.options().dryRun();
        for (Phase phase : phases) {
            long start = System.nanoTime();
            console.phaseStarted(phase.title() + (dry && !phase.readOnly() ? " (dry run)" : ""));
            try {
                if (!phase.shouldRun(ctx)) {
                    console.phaseFinished(phase.title(), "skipped", since(start));
                    continue;
                }
                if (dry) {
                    phase.dryRun(ctx);
                } else {
                    phase.run(ctx);
                }
                boolean hostsFailed;
                synchronized (keptGoingPast) {
                    hostsFailed = failedPhases.contains(phase.title());
                }
                console.phaseFinished(phase.title(), hostsFailed ? "FAILED on some hosts" : "ok", since(start));
            } catch (RuntimeException e) {
                console.phaseFinished(phase.title(), "FAILED", since(start));
                throw e;
            } finally {
                phaseTimes.put(phase.title(), since(start));
            }
        }
        synchronized (keptGoingPast) {
            if (!keptGoingPast.isEmpty()) {
                throw new PhaseFailedException(String.join(", ", failedPhases), keptGoingPast);
            }
        }
    }

    /** How long each phase took, in the order they ran (for the summary). */
    public Map<String, Duration> phaseTimes() {
        return new LinkedHashMap<>(phaseTimes);
    }

    /** Runs a host phase on each of its hosts, {@code concurrency} at a time; fails naming every failed host. */
    void forEachHost(RunContext ctx, HostPhase phase, boolean dryRun) {
        List<Host> hosts = phase.hosts(ctx).stream().filter(h -> !ctx.hasFailed(h)).toList();
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
            Map<String, Throwable> failures = new TreeMap<>(HostOrder.NATURAL);
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
            if (!failures.isEmpty() && keepGoing) {
                failures.keySet().forEach(ctx::markFailed);
                synchronized (keptGoingPast) {
                    keptGoingPast.putAll(failures);
                    failedPhases.add(phase.title());
                }
            } else if (!failures.isEmpty()) {
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
            Map<String, HostOutcome> copy = new TreeMap<>(HostOrder.NATURAL);
            copy.putAll(lastOutcome);
            return copy;
        }
    }

    /** A failure's message for one line: typed exceptions say it themselves; others add their class. */
    public static String reason(Throwable t) {
        if (t instanceof io.kubeferry.errors.HostFailureException h) {
            return h.reason(); // the host is named by the line that shows this
        }
        if (t instanceof KubeferryException) {
            return t.getMessage();
        }
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
