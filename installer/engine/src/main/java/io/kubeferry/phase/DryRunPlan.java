package io.kubeferry.phase;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a dry run would change, per host, in the order the phases would do it. Thread-safe. */
public final class DryRunPlan {
    public static final String CLUSTER = "(cluster)";
    private final Map<String, List<String>> changes = new TreeMap<>(HostOrder.NATURAL);

    /** Records one change a phase would make on a host ({@link #CLUSTER} for API objects and local state). */
    public synchronized void change(String host, String phase, String what) {
        changes.computeIfAbsent(host, h -> new ArrayList<>()).add("[" + phase + "] " + what);
    }

    public synchronized Map<String, List<String>> byHost() {
        Map<String, List<String>> copy = new TreeMap<>(HostOrder.NATURAL);
        changes.forEach((h, l) -> copy.put(h, Collections.unmodifiableList(new ArrayList<>(l))));
        return copy;
    }

    public synchronized boolean isEmpty() {
        return changes.isEmpty();
    }
}
