package io.kubeferry.reset;

import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.inventory.Host;
import io.kubeferry.phase.RunContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the phases of one reset share: the hosts it works on, each host's install records (read once, by the first
 * phase that reaches the host, before anything is undone) and what was undone there, for the report.
 */
public final class ResetRun {
    /** One host's records; {@code installed} false when Kubeferry never installed there (nothing to reset). */
    public record HostState(boolean installed, HostRecord.Found found, Map<String, List<HostRecord.Entry>> records,
                            List<String> images) {
    }

    private final Set<String> only;
    private final Map<String, HostState> states = new ConcurrentHashMap<>();
    private final Map<String, List<String>> undone = new ConcurrentHashMap<>();

    /** @param only host names given with --host; empty: every host of the inventory */
    public ResetRun(Set<String> only) {
        this.only = Set.copyOf(only);
    }

    public Set<String> only() {
        return only;
    }

    public List<Host> hosts(RunContext ctx) {
        return ctx.inventory().hosts().stream().filter(h -> only.isEmpty() || only.contains(h.name())).toList();
    }

    static final String READ = "if [ -f " + HostRecord.FOUND + " ]; then echo '#found'; cat " + HostRecord.FOUND + ";"
            + " for f in " + HostRecord.WRITTEN_DIR + "/*.paths " + HostRecord.INSTALLED_DIR + "/*.files; do"
            + " [ -f \"$f\" ] && { echo \"#record $f\"; cat \"$f\"; }; done;"
            + " echo '#images'; cat " + HostRecord.IMPORTED_IMAGES + " 2>/dev/null; true;"
            + " elif [ -d " + HostRecord.INSTALLED_DIR + " ]; then echo '#unrecorded'; fi";

    public HostState state(Host host, RemoteHost remote) {
        return states.computeIfAbsent(host.name(), n -> parse(n, remote.execChecked(READ).stdout()));
    }

    /** The output of {@link #READ}: sections {@code #found}, {@code #record FILE}, {@code #images}. */
    static HostState parse(String host, String out) {
        if (out.strip().equals("#unrecorded")) {
            throw new UnexpectedStateException(host + ": Kubeferry installed here without install records (an older"
                    + " version): reset cannot tell what was there before; clean the host by hand or reinstall it with"
                    + " this version first");
        }
        if (!out.startsWith("#found")) {
            return new HostState(false, HostRecord.Found.parse(""), Map.of(), List.of());
        }
        Map<String, StringBuilder> sections = new LinkedHashMap<>();
        StringBuilder cur = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("#found") || line.startsWith("#record ") || line.startsWith("#images")) {
                cur = sections.computeIfAbsent(line.strip(), k -> new StringBuilder());
            } else if (cur != null) {
                cur.append(line).append('\n');
            }
        }
        Map<String, List<HostRecord.Entry>> records = new LinkedHashMap<>();
        sections.forEach((k, v) -> {
            if (k.startsWith("#record ")) {
                records.put(recordName(k.substring("#record ".length())), HostRecord.parseEntries(v.toString()));
            }
        });
        List<String> images = sections.getOrDefault("#images", new StringBuilder()).toString().lines()
                .map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
        return new HostState(true, HostRecord.Found.parse(sections.get("#found").toString()), records, images);
    }

    /** {@code .../written/kubelet.paths} is "kubelet"; {@code .../installed/runc.files} is "runc binary". */
    static String recordName(String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        if (name.endsWith(".paths")) {
            return name.substring(0, name.length() - ".paths".length());
        }
        return name.substring(0, name.lastIndexOf('.')) + " binary";
    }

    void undone(String host, String what) {
        undone.computeIfAbsent(host, h -> java.util.Collections.synchronizedList(new ArrayList<>())).add(what);
    }

    List<String> undone(String host) {
        return List.copyOf(undone.getOrDefault(host, List.of()));
    }

    /** The state read for a host, if a phase reached it. */
    java.util.Optional<HostState> stateIfRead(String host) {
        return java.util.Optional.ofNullable(states.get(host));
    }
}
