package io.kubeferry.phase;

/**
 * One step of a run (k0sctl style). The runner calls {@link #prepare}, then {@link #shouldRun}, then
 * {@link #run} (or {@link #dryRun}); after a later failure it calls {@link #cleanUp} on the phases that ran,
 * newest first.
 */
public interface Phase {
    /** Shown in the console and the log: what this phase does, in a few words. */
    String title();

    /** Gathers what {@link #shouldRun} needs; must not change any host. */
    default void prepare(RunContext ctx) {
    }

    /** False when there is nothing to do (already done, not applicable): the phase is reported as skipped. */
    default boolean shouldRun(RunContext ctx) {
        return true;
    }

    void run(RunContext ctx);

    /** Records in {@code ctx.plan()} what {@link #run} would change, without changing anything. */
    default void dryRun(RunContext ctx) {
        run(ctx);
    }

    /** Undoes what {@link #run} did, after a later phase failed. Best effort; must not throw. */
    default void cleanUp(RunContext ctx) {
    }

    /** Phases that only read (connect, gather facts) run the same in a dry run. */
    default boolean readOnly() {
        return false;
    }
}
