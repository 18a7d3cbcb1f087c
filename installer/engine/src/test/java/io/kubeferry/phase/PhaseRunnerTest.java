package io.kubeferry.phase;

import io.kubeferry.console.Console;
import io.kubeferry.errors.ExitCode;
import io.kubeferry.errors.HostFailureException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.InventoryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class PhaseRunnerTest {
    @TempDir
    Path dir;

    private Inventory inventory(int workers) throws Exception {
        Path f = dir.resolve("inventory.yaml");
        Files.writeString(f, """
                cluster: {kubernetesVersion: 1.34.1}
                ssh: {password: hunter2-secret}
                hosts:
                  - {name: cp1, address: 192.0.2.1, roles: [control-plane]}
                  - {name: "w[1:%d]", address: "192.0.2.[11:%d]", roles: [worker]}
                """.formatted(workers, 10 + workers));
        return InventoryLoader.load(f);
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private RunContext context(boolean dryRun, int concurrency) {
        Console console = new Console(new PrintStream(out, true), new PrintStream(out, true), true);
        return new RunContext(new RunOptions(concurrency, dryRun, true), console, new PhaseRunner(),
                host -> { throw new AssertionError("no connection expected"); });
    }

    /** A host phase that works on local state only; fails on the hosts named. */
    private static class LocalPhase extends HostPhase {
        final Set<String> failOn;
        final List<String> ran = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();

        LocalPhase(Set<String> failOn) {
            this.failOn = failOn;
        }

        @Override
        public String name() {
            return "local-work";
        }

        @Override
        public String title() {
            return "local work";
        }

        @Override
        public boolean needsConnection() {
            return false;
        }

        @Override
        public void runOn(RunContext ctx, Host host, RemoteHost remote) {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            ran.add(host.name());
            if (failOn.contains(host.name())) {
                throw new HostFailureException(host.name(), "disk full on " + host.name());
            }
        }

        @Override
        public void dryRunOn(RunContext ctx, Host host, RemoteHost remote) {
            ctx.plan().change(host.name(), title(), "write /etc/example for " + host.name());
        }
    }

    @Test
    void everyHostRunsAndEveryFailureIsNamed() throws Exception {
        RunContext ctx = context(false, 4);
        ctx.setInventory(inventory(9));
        LocalPhase phase = new LocalPhase(Set.of("w3", "w7"));
        PhaseFailedException e = assertThrows(PhaseFailedException.class, () -> ctx.runner().run(ctx, List.of(phase)));
        assertEquals(10, phase.ran.size(), "a failure on one host must not stop the others");
        assertEquals(Set.of("w3", "w7"), e.failures().keySet());
        assertTrue(e.getMessage().contains("phase 'local work' failed on 2 hosts"));
        assertTrue(e.getMessage().contains("w7: disk full on w7"), e.getMessage());
        assertFalse(e.getMessage().contains("w7: w7:"), "the host is named once");
        assertEquals(ExitCode.HOST_FAILURE, e.exitCode());
        assertTrue(phase.maxRunning.get() <= 4, "concurrency limit exceeded: " + phase.maxRunning.get());
        assertTrue(phase.maxRunning.get() > 1, "hosts did not run in parallel");
        assertEquals("FAILED", ctx.runner().summary().get("w3").status());
        assertEquals("ok", ctx.runner().summary().get("w1").status());
    }

    @Test
    void aRollingPhaseWorksOnOneHostAtATime() throws Exception {
        RunContext ctx = context(false, 8);
        ctx.setInventory(inventory(5));
        LocalPhase rolling = new LocalPhase(Set.of()) {
            @Override
            public int maxConcurrency() {
                return 1;
            }
        };
        ctx.runner().run(ctx, List.of(rolling));
        assertEquals(6, rolling.ran.size());
        assertEquals(1, rolling.maxRunning.get());
    }

    @Test
    void anUntypedExceptionOnAHostIsABugNotAHostFailure() throws Exception {
        RunContext ctx = context(false, 2);
        ctx.setInventory(inventory(1));
        HostPhase buggy = new LocalPhase(Set.of()) {
            @Override
            public void runOn(RunContext c, Host host, RemoteHost remote) {
                throw new NullPointerException("oops");
            }
        };
        PhaseFailedException e = assertThrows(PhaseFailedException.class, () -> ctx.runner().run(ctx, List.of(buggy)));
        assertEquals(ExitCode.INTERNAL, e.exitCode());
        assertTrue(e.getMessage().contains("NullPointerException: oops"));
    }

    @Test
    void theFirstFailureStopsTheRun() throws Exception {
        RunContext ctx = context(false, 2);
        ctx.setInventory(inventory(1));
        List<String> events = new ArrayList<>();
        Phase first = recording("first", events, false);
        Phase second = recording("second", events, true);
        Phase never = recording("never", events, false);
        assertThrows(HostFailureException.class, () -> ctx.runner().run(ctx, List.of(first, second, never)));
        assertEquals(List.of("run first", "run second"), events);
    }

    @Test
    void aRunThatKeepsGoingLeavesFailedHostsOutOfLaterPhasesAndFailsAtTheEnd() throws Exception {
        RunContext ctx = context(false, 4);
        ctx.setInventory(inventory(11));
        LocalPhase connect = new LocalPhase(Set.of("w2", "w10"));
        LocalPhase facts = new LocalPhase(Set.of());
        List<String> reported = new ArrayList<>();
        Phase report = new ReadOnlyPhase() {
            public String name() { return "report"; }
            public String title() { return "report"; }
            public void run(RunContext c) { reported.add("report ran"); }
        };
        PhaseFailedException e = assertThrows(PhaseFailedException.class,
                () -> ctx.runner().run(ctx, List.of(connect, facts, report), true));
        assertEquals(12, connect.ran.size());
        assertEquals(10, facts.ran.size(), "the two failed hosts are left out of the next phase");
        assertFalse(facts.ran.contains("w2") || facts.ran.contains("w10"));
        assertEquals(List.of("report ran"), reported, "phases after a host failure still run for the others");
        assertEquals(List.of("w2", "w10"), List.copyOf(e.failures().keySet()), "hosts in natural order");
        assertEquals(ExitCode.HOST_FAILURE, e.exitCode());
        assertEquals(List.of("cp1", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "w10", "w11"),
                List.copyOf(ctx.runner().summary().keySet()), "kf-h2 before kf-h10");
    }

    @Test
    void hostNamesSortNaturally() {
        List<String> names = new ArrayList<>(List.of("kf-h10", "kf-h2", "kf-h1", "node010", "node9", "a"));
        names.sort(HostOrder.NATURAL);
        assertEquals(List.of("a", "kf-h1", "kf-h2", "kf-h10", "node9", "node010"), names);
    }

    @Test
    void dryRunRecordsChangesAndChangesNothing() throws Exception {
        RunContext ctx = context(true, 3);
        ctx.setInventory(inventory(2));
        LocalPhase phase = new LocalPhase(Set.of());
        ctx.runner().run(ctx, List.of(phase));
        assertTrue(phase.ran.isEmpty());
        var plan = ctx.plan().byHost();
        assertEquals(Set.of("cp1", "w1", "w2"), plan.keySet());
        assertEquals(List.of("[local work] write /etc/example for w2"), plan.get("w2"));
    }

    @Test
    void skippedPhaseIsReportedAndNotRun() throws Exception {
        RunContext ctx = context(false, 1);
        ctx.setInventory(inventory(1));
        List<String> events = new ArrayList<>();
        Phase skipped = new Phase() {
            public String name() { return "already-done"; }
            public String title() { return "already done"; }
            public boolean shouldRun(RunContext c) { return false; }
            public void run(RunContext c) { events.add("ran"); }
            public void dryRun(RunContext c) { events.add("dry run"); }
        };
        ctx.runner().run(ctx, List.of(skipped));
        assertTrue(events.isEmpty());
        assertTrue(out.toString().contains("skipped  already done"));
    }

    @Test
    void secretsAreRedactedFromConsoleAndLog() throws Exception {
        RunContext ctx = context(false, 1);
        ctx.setInventory(inventory(1));
        Path log = dir.resolve("run.log");
        ctx.console().openLog(log);
        ctx.console().info("connecting with password hunter2-secret");
        ctx.console().close();
        assertFalse(out.toString().contains("hunter2-secret"));
        assertTrue(out.toString().contains("password ******"));
        assertFalse(Files.readString(log).contains("hunter2-secret"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
    }

    @Test
    void evenATwoCharacterSecretIsRedacted() throws Exception {
        Path f = dir.resolve("short.yaml");
        Files.writeString(f, """
                cluster: {kubernetesVersion: 1.34.1}
                ssh: {password: "Q%"}
                hosts:
                  - {name: cp1, address: 192.0.2.1, roles: [control-plane]}
                """);
        RunContext ctx = context(false, 1);
        ctx.setInventory(InventoryLoader.load(f));
        ctx.console().info("sudo said: Q% is wrong");
        assertFalse(out.toString().contains("Q%"), out.toString());
    }

    private static Phase recording(String name, List<String> events, boolean fail) {
        return new Phase() {
            public String name() { return name; }
            public String title() { return name; }
            public void run(RunContext ctx) {
                events.add("run " + name);
                if (fail) throw new HostFailureException("cp1", "boom");
            }
            public void dryRun(RunContext ctx) { events.add("dry run " + name); }
        };
    }
}
