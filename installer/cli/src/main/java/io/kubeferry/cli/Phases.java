package io.kubeferry.cli;

import io.kubeferry.phase.Phase;
import io.kubeferry.phase.builtin.ConnectPhase;
import io.kubeferry.phase.builtin.GatherFactsPhase;
import io.kubeferry.phase.builtin.ReportFactsPhase;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The phases `installer phase NAME` can run alone, by name, in the order a full run uses them. */
final class Phases {
    private Phases() {
    }

    static Map<String, Supplier<Phase>> named() {
        Map<String, Supplier<Phase>> m = new LinkedHashMap<>();
        m.put("connect", ConnectPhase::new);
        m.put("gather-facts", GatherFactsPhase::new);
        m.put("check-hosts", () -> new io.kubeferry.phase.builtin.CompositePhase("Gather facts and check hosts",
                new GatherFactsPhase(), new ReportFactsPhase()));
        return m;
    }
}
