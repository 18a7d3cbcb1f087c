package io.kubeferry.phase;

/**
 * One step of an action (k0sctl style). The runner asks {@link #shouldRun}, then calls {@link #run}, or
 * {@link #dryRun} under {@code --dry-run}. There is no default dry run: a phase that changes anything must say
 * what its dry run records instead, and a phase that only reads implements {@link ReadOnlyPhase}.
 */
public interface Phase {
    /** Stable name, used by {@code installer phase NAME} and in the log: lower-case words with dashes. */
    String name();

    /** Shown in the console and the log: what this phase does, in a few words. */
    String title();

    /**
     * Checks this phase's own input (a certificate name, a host name given on the command line) against the
     * inventory; called for every phase of an action before the first one runs, so that bad input stops the
     * run before anything is changed anywhere. Throws {@link io.kubeferry.errors.BadInputException}.
     */
    default void validate(io.kubeferry.inventory.Inventory inventory) {
    }

    /** False when there is nothing to do (already done, not applicable): the phase is reported as skipped. */
    default boolean shouldRun(RunContext ctx) {
        return true;
    }

    void run(RunContext ctx);

    /** Records in {@code ctx.plan()} what {@link #run} would change, without changing anything. */
    void dryRun(RunContext ctx);

    /**
     * False for a phase that needs arguments its action gives it (which certificates to renew): it is then not
     * offered by {@code installer phase NAME}, and its command is named instead.
     */
    default boolean runsAlone() {
        return true;
    }

    /**
     * True for a phase whose result later phases read (the cluster plan): {@code installer phase NAME} runs it
     * before NAME, like the read-only phases. It must be idempotent.
     */
    default boolean preparesLaterPhases() {
        return false;
    }

    /**
     * True for a phase that may open SSH connections although it is no host phase (the cluster's API through an SSH
     * tunnel): the inventory is then read with the hosts' SSH credentials.
     */
    default boolean usesSsh() {
        return false;
    }

    /** True for phases that only read (connect, gather facts): they run the same in a dry run. */
    default boolean readOnly() {
        return false;
    }
}
