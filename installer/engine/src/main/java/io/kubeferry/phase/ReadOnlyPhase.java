package io.kubeferry.phase;

/** A phase that changes nothing anywhere: its dry run is its run. */
public interface ReadOnlyPhase extends Phase {
    @Override
    default void dryRun(RunContext ctx) {
        run(ctx);
    }

    @Override
    default boolean readOnly() {
        return true;
    }
}
