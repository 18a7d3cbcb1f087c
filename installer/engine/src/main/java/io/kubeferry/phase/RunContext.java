package io.kubeferry.phase;

import io.kubeferry.console.Console;
import io.kubeferry.host.HostFacts;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state of one run: the inventory (what the user wrote, set once by the load phase), the facts
 * gathered from hosts (kept apart, keyed by host name), the open connections and the dry-run plan.
 */
public final class RunContext implements AutoCloseable {
    private final RunOptions options;
    private final Console console;
    private final PhaseRunner runner;
    private final HostConnector connector;
    private final DryRunPlan plan = new DryRunPlan();
    private final Map<String, HostFacts> facts = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.FutureTask<RemoteHost>> connections = new ConcurrentHashMap<>();
    private final java.util.Set<String> failedHosts = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger changes = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Inventory inventory;
    private volatile io.kubeferry.files.StateLock stateLock;

    public RunContext(RunOptions options, Console console, PhaseRunner runner, HostConnector connector) {
        this.options = options;
        this.console = console;
        this.runner = runner;
        this.connector = connector;
    }

    public RunOptions options() {
        return options;
    }

    public Console console() {
        return console;
    }

    public PhaseRunner runner() {
        return runner;
    }

    public DryRunPlan plan() {
        return plan;
    }

    public Inventory inventory() {
        if (inventory == null) {
            throw new IllegalStateException("the inventory is not loaded yet");
        }
        return inventory;
    }

    public boolean hasInventory() {
        return inventory != null;
    }

    /**
     * remove-node: the rest of the run works on the remaining hosts only. The narrowed inventory holds a subset of
     * the loaded one's hosts (their secrets are registered already).
     */
    public void narrowInventory(Inventory narrowed) {
        if (inventory == null || !inventory.hosts().containsAll(narrowed.hosts())) {
            throw new IllegalStateException("an inventory is narrowed only to hosts it has");
        }
        this.inventory = narrowed;
    }

    public void setInventory(Inventory inv) {
        if (inventory != null) {
            throw new IllegalStateException("the inventory is loaded once per run");
        }
        this.inventory = inv;
        inv.hosts().forEach(h -> {
            if (h.ssh() == null) {
                return; // an inventory read for local work only has no SSH settings
            }
            console.addSecret(h.ssh().password());
            console.addSecret(h.ssh().passphrase());
            console.addSecret(h.ssh().sudoPassword());
            if (h.ssh().bastion() != null) {
                console.addSecret(h.ssh().bastion().password());
                console.addSecret(h.ssh().bastion().passphrase());
            }
        });
    }

    /**
     * The open connection to a host, opening it on first use. The connect runs outside the map's lock (a slow
     * or dead host must not hold up others); concurrent callers for the same host share one attempt.
     */
    public RemoteHost connection(Host host) {
        var task = new java.util.concurrent.FutureTask<>(() -> connector.connect(host));
        var existing = connections.putIfAbsent(host.name(), task);
        if (existing == null) {
            task.run();
            existing = task;
        }
        try {
            return existing.get();
        } catch (java.util.concurrent.ExecutionException e) {
            connections.remove(host.name(), existing); // a later phase may try again
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.kubeferry.errors.HostFailureException(host.name(), "interrupted while connecting");
        }
    }

    public boolean isConnected(Host host) {
        return connections.containsKey(host.name());
    }

    /** The lock of the cluster's state directory, held for the whole run by an action that changes the state. */
    public io.kubeferry.files.StateLock stateLock() {
        if (stateLock == null) {
            throw new IllegalStateException("this action does not hold the state directory's lock");
        }
        return stateLock;
    }

    public void setStateLock(io.kubeferry.files.StateLock lock) {
        this.stateLock = lock;
    }

    /** A host that failed in a run that keeps going: later phases leave it out. */
    void markFailed(String host) {
        failedHosts.add(host);
    }

    public boolean hasFailed(Host host) {
        return failedHosts.contains(host.name());
    }

    /**
     * Records one change made on a host or in the cluster (a file written, a binary installed, a service restarted,
     * an API object changed) and prints it as a detail line; a run that records none changed nothing.
     */
    public void changed(String host, String what) {
        changes.incrementAndGet();
        console.detail("    " + host + ": " + what);
    }

    /** How many changes {@link #changed} recorded in this run. */
    public int changeCount() {
        return changes.get();
    }

    public void putFacts(String host, HostFacts f) {
        facts.put(host, f);
    }

    public Optional<HostFacts> facts(String host) {
        return Optional.ofNullable(facts.get(host));
    }

    public Map<String, HostFacts> allFacts() {
        return new TreeMap<>(facts);
    }

    @Override
    public void close() {
        for (var task : connections.values()) {
            RemoteHost c;
            try {
                c = task.isDone() ? task.get() : null;
            } catch (Exception e) {
                c = null; // never connected
            }
            if (c instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // closing at the end of a run; nothing left to do with it
                }
            }
        }
        connections.clear();
        connector.close();
    }
}
