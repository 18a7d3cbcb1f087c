package io.kubeferry.phase.builtin;

import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;

import java.util.List;

/** Several phases that only make sense together, run as one (e.g. gather facts, then judge them). */
public final class CompositePhase implements Phase {
    private final String title;
    private final List<Phase> parts;

    public CompositePhase(String title, Phase... parts) {
        this.title = title;
        this.parts = List.of(parts);
    }

    @Override
    public String title() {
        return title;
    }

    @Override
    public boolean readOnly() {
        return parts.stream().allMatch(Phase::readOnly);
    }

    @Override
    public void run(RunContext ctx) {
        for (Phase p : parts) {
            p.prepare(ctx);
            if (p.shouldRun(ctx)) {
                if (ctx.options().dryRun() && !p.readOnly()) {
                    p.dryRun(ctx);
                } else {
                    p.run(ctx);
                }
            }
        }
    }

    @Override
    public void cleanUp(RunContext ctx) {
        for (int i = parts.size() - 1; i >= 0; i--) {
            parts.get(i).cleanUp(ctx);
        }
    }
}
