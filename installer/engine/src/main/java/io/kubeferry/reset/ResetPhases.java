package io.kubeferry.reset;

import io.kubeferry.component.Component;
import io.kubeferry.component.Components;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code installer reset}: undoes on the named hosts (all by default) what the install did, from what it recorded
 * there ({@link HostRecord}): workloads, then components in reverse install order, the network, files, then what
 * the host had before (swap, SELinux, sysctls, modules, services), and a report per host.
 */
public final class ResetPhases {
    /** Interfaces CNI plugins and kube-proxy make; removed when absent before the install. */
    static final Pattern CNI_INTERFACES = Pattern.compile("cni0|flannel\\..+|kube-ipvs0|kube-bridge|vxlan\\.calico|cali.+|tunl0|weave|veth.+");
    /** iptables chains Kubernetes, flannel and the CNI plugins make. */
    static final String CHAINS = "(KUBE-|FLANNEL-|CNI-)";

    private ResetPhases() {
    }

    /** @param hosts the names given with --host; empty: every host */
    public static List<Phase> forHosts(Set<String> hosts) {
        ResetRun run = new ResetRun(hosts);
        return List.of(new Workloads(run), new ComponentsStop(run), new Network(run), new Files(run), new Restore(run),
                new Report(run));
    }

    /** Every name given with --host must be a host of the inventory. */
    static void validateHosts(ResetRun run, Inventory inventory) {
        List<String> known = inventory.hosts().stream().map(Host::name).toList();
        List<String> unknown = run.only().stream().filter(h -> !known.contains(h)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new BadInputException("--host", "no host named " + String.join(", ", unknown) + " in "
                    + inventory.source() + "; hosts: " + String.join(", ", known));
        }
    }

    /** The kubelet stopped, then the static pods' containers and the images the install imported. */
    static final class Workloads extends ResetPhase {
        Workloads(ResetRun run) {
            super(run, "reset-workloads", "Stop the kubelet and remove the pods' containers");
        }

        @Override
        public void validate(Inventory inventory) {
            validateHosts(run, inventory);
        }

        @Override
        List<ResetPlan.Step> steps(RunContext ctx, Host host, RemoteHost remote, ResetRun.HostState state) {
            List<ResetPlan.Step> out = new ArrayList<>();
            Component kubelet = component("kubelet");
            if (remote.exec("systemctl cat kubelet >/dev/null 2>&1 && { systemctl is-active --quiet kubelet"
                    + " || systemctl is-enabled --quiet kubelet; }").ok()) {
                out.add(new ResetPlan.Step("kubelet: stop and disable", String.join(" && ", kubelet.stopCommands(host))));
            }
            if (!remote.exec("command -v ctr >/dev/null && ctr version >/dev/null 2>&1").ok()) {
                return out; // no containerd answering: no containers to remove through it
            }
            List<String> containers = lines(remote, "ctr -n k8s.io containers ls -q");
            if (!containers.isEmpty()) {
                // listed again when run: the kubelet may have started one more before it stopped
                out.add(new ResetPlan.Step("remove " + containers.size() + " containers (k8s.io): " + String.join(", ", containers),
                        "for t in $(ctr -n k8s.io tasks ls -q); do ctr -n k8s.io tasks rm -f \"$t\" >/dev/null || exit 1; done;"
                                + " for c in $(ctr -n k8s.io containers ls -q); do ctr -n k8s.io containers rm \"$c\" >/dev/null || exit 1; done"));
            }
            if (!state.images().isEmpty()) {
                Set<String> present = Set.copyOf(lines(remote, "ctr -n k8s.io images ls -q"));
                List<String> ours = state.images().stream().filter(present::contains).toList();
                if (!ours.isEmpty()) {
                    out.add(new ResetPlan.Step("remove " + ours.size() + " images the install imported",
                            "ctr -n k8s.io images rm " + String.join(" ", ours.stream().map(Shell::quote).toList()) + " >/dev/null"));
                }
            }
            return out;
        }
    }

    /** Every component's clean step (services stopped and disabled, edits undone), in reverse install order. */
    static final class ComponentsStop extends ResetPhase {
        ComponentsStop(ResetRun run) {
            super(run, "reset-components", "Stop and disable the components' services, in reverse install order");
        }

        @Override
        List<ResetPlan.Step> steps(RunContext ctx, Host host, RemoteHost remote, ResetRun.HostState state) {
            List<Component> all = new ArrayList<>(Components.standard());
            Collections.reverse(all);
            List<ResetPlan.Step> out = new ArrayList<>();
            for (Component c : all) {
                // the kubelet went first (reset-workloads); only components the install put here
                if (c.name().equals("kubelet") || !state.records().containsKey(c.name()) || c.stopCommands(host).isEmpty()) {
                    continue;
                }
                out.add(new ResetPlan.Step(c.name() + ": stop (its clean step)", String.join(" && ", c.stopCommands(host))));
            }
            return out;
        }
    }

    /** CNI interfaces, iptables chains and IPVS services, each only when present (and absent before the install). */
    static final class Network extends ResetPhase {
        Network(ResetRun run) {
            super(run, "reset-network", "Remove CNI interfaces, iptables chains and IPVS services");
        }

        @Override
        List<ResetPlan.Step> steps(RunContext ctx, Host host, RemoteHost remote, ResetRun.HostState state) {
            List<ResetPlan.Step> out = new ArrayList<>();
            Set<String> before = Set.copyOf(state.found().interfaces());
            List<String> now = lines(remote, "ls /sys/class/net 2>/dev/null");
            for (String i : now) {
                if (!before.contains(i) && CNI_INTERFACES.matcher(i).matches()) {
                    out.add(new ResetPlan.Step("delete interface " + i, "ip link delete " + Shell.quote(i)));
                }
            }
            for (String t : List.of("iptables", "ip6tables")) {
                String count = remote.exec("command -v " + t + "-save >/dev/null && " + t + "-save 2>/dev/null | grep -cE -- '"
                        + CHAINS + "'").stdout().strip();
                if (!count.isEmpty() && !count.equals("0")) {
                    out.add(new ResetPlan.Step(t + ": remove " + count + " rules and chains KUBE-*, FLANNEL-*, CNI-*",
                            "set -o pipefail 2>/dev/null; " + t + "-save | grep -vE -- '" + CHAINS + "' | " + t + "-restore"));
                }
            }
            if (now.contains("kube-ipvs0") && !before.contains("kube-ipvs0")
                    && remote.exec("command -v ipvsadm >/dev/null && [ -n \"$(ipvsadm -Sn 2>/dev/null)\" ]").ok()) {
                out.add(new ResetPlan.Step("clear kube-proxy's IPVS services", "ipvsadm --clear"));
            }
            return out;
        }
    }

    /**
     * Mounts under /var/lib/kubelet (and containerd's, where it had no state before) unmounted, the files the
     * install wrote removed or put back, the directories it made removed, what its daemons made removed.
     */
    static final class Files extends ResetPhase {
        Files(ResetRun run) {
            super(run, "reset-files", "Remove the files, directories and state the install made; put back what it overwrote");
        }

        @Override
        List<ResetPlan.Step> steps(RunContext ctx, Host host, RemoteHost remote, ResetRun.HostState state) {
            List<ResetPlan.Step> out = new ArrayList<>();
            HostRecord.Found now = HostRecord.Found.parse(remote.execChecked(HostRecord.probeCommand()).stdout());
            List<String> roots = new ArrayList<>(ResetPlan.MOUNT_ROOTS);
            if (state.found().absentPaths().contains("/run/containerd")) {
                roots.add("/run/containerd/");
            }
            if (state.found().emptyDirs().contains("/var/lib/containerd") || state.found().absentPaths().contains("/var/lib/containerd")) {
                roots.add("/var/lib/containerd/");
            }
            List<String> mounts = lines(remote, "awk '{print $2}' /proc/mounts").stream()
                    .filter(m -> roots.stream().anyMatch(m::startsWith)).distinct()
                    .sorted(Comparator.comparingInt((String m) -> -m.length())).toList();
            for (String m : mounts) {
                out.add(new ResetPlan.Step("unmount " + m, "umount " + Shell.quote(m) + " 2>/dev/null || umount -l " + Shell.quote(m)));
            }
            List<ResetPlan.Step> files = ResetPlan.files(state.records());
            out.addAll(files);
            java.util.Set<String> removed = state.records().values().stream().flatMap(List::stream)
                    .filter(e -> e.kind() == 'd').map(HostRecord.Entry::path).collect(java.util.stream.Collectors.toSet());
            out.addAll(ResetPlan.runtimePaths(state.found(), now, removed));
            boolean units = state.records().values().stream().flatMap(List::stream)
                    .anyMatch(e -> e.path().startsWith("/etc/systemd/") || e.path().startsWith("/lib/systemd/"));
            if (units) {
                out.add(new ResetPlan.Step("systemd: reload unit files", "systemctl daemon-reload"));
            }
            return out;
        }
    }

    /** Swap, SELinux, sysctls, modules and services as found; then Kubeferry's own records go. */
    static final class Restore extends ResetPhase {
        Restore(ResetRun run) {
            super(run, "reset-restore", "Put back swap, SELinux, sysctls, modules and services as found");
        }

        @Override
        List<ResetPlan.Step> steps(RunContext ctx, Host host, RemoteHost remote, ResetRun.HostState state) {
            HostRecord.Found now = HostRecord.Found.parse(remote.execChecked(HostRecord.probeCommand()).stdout());
            List<ResetPlan.Step> out = new ArrayList<>(ResetPlan.restore(state.found(), now));
            out.add(new ResetPlan.Step("remove Kubeferry's records and staging (" + HostRecord.DIR + ")",
                    "rm -rf -- " + HostRecord.DIR));
            return out;
        }
    }

    /** Per host: what was undone (or would be), or that Kubeferry never installed there. */
    static final class Report implements ReadOnlyPhase {
        private final ResetRun run;

        Report(ResetRun run) {
            this.run = run;
        }

        @Override
        public String name() {
            return "reset-report";
        }

        @Override
        public String title() {
            return "What the reset undid";
        }

        @Override
        public boolean runsAlone() {
            return false;
        }

        @Override
        public void run(RunContext ctx) {
            for (Host h : run.hosts(ctx)) {
                var state = run.stateIfRead(h.name());
                if (state.isPresent() && !state.get().installed()) {
                    ctx.console().info("    " + h.name() + ": nothing to reset: never installed by Kubeferry (or already reset)");
                } else if (ctx.options().dryRun()) {
                    ctx.console().info("    " + h.name() + ": would be reset (the plan below)");
                } else {
                    List<String> undone = run.undone(h.name());
                    ctx.console().info("    " + h.name() + ": reset: " + undone.size() + " things undone");
                    undone.forEach(u -> ctx.console().info("        " + u));
                }
            }
        }
    }

    private static Component component(String name) {
        return Components.standard().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
}
