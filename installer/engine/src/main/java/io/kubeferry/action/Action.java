package io.kubeferry.action;

import io.kubeferry.phase.Phase;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A named, ordered list of phases (k0sctl's actions): what one command does to the cluster. Commands build an
 * action and hand it to the {@link ActionRunner}; {@code installer phase NAME} runs one phase of an action.
 *
 * @param keepGoing    when a host fails, leave it out of the later phases and go on with the others (a report
 *                     such as {@code check}); otherwise the first failure stops the run
 * @param changesState the action writes the cluster's state directory (certificates, records): it runs holding
 *                     the directory's lock, so two such commands never interleave
 * @param input        the inventory as this action reads it, from the one the user wrote (upgrade: the bundle's
 *                     version when the inventory still names the cluster's); identity for every other action
 */
public record Action(String name, String description, List<Phase> phases, boolean keepGoing, boolean changesState,
                     java.util.function.UnaryOperator<io.kubeferry.inventory.Inventory> input) {
    public Action {
        phases = List.copyOf(phases);
        java.util.Objects.requireNonNull(input, "input");
    }

    public Action(String name, String description, List<Phase> phases, boolean keepGoing, boolean changesState) {
        this(name, description, phases, keepGoing, changesState, java.util.function.UnaryOperator.identity());
    }

    public Action(String name, String description, List<Phase> phases, boolean keepGoing) {
        this(name, description, phases, keepGoing, false);
    }

    public List<String> phaseNames() {
        return phases.stream().map(Phase::name).toList();
    }

    /**
     * The action cut down to one phase, preceded by the read-only phases before it (connect, gather facts),
     * so that the phase has what it reads; empty when the action has no phase of that name.
     */
    public Optional<Action> only(String phaseName) {
        List<Phase> out = new ArrayList<>();
        for (Phase p : phases) {
            if (p.name().equals(phaseName)) {
                out.add(p);
                return Optional.of(new Action("phase-" + phaseName, p.title(), out, false, changesState, input));
            }
            if (p.readOnly() || p.preparesLaterPhases()) {
                out.add(p);
            }
        }
        return Optional.empty();
    }
}
