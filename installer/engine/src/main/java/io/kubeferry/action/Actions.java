package io.kubeferry.action;

import io.kubeferry.phase.Phase;
import io.kubeferry.phase.builtin.ConnectPhase;
import io.kubeferry.phase.builtin.GatherFactsPhase;
import io.kubeferry.phase.builtin.PushPkiPhase;
import io.kubeferry.phase.builtin.RenewCertificatesPhase;
import io.kubeferry.phase.builtin.ReportFactsPhase;
import io.kubeferry.install.ComponentsPhase;
import io.kubeferry.install.DistributePhase;
import io.kubeferry.install.FileDistributor;
import io.kubeferry.install.FinishClusterPhase;
import io.kubeferry.install.InstallRun;
import io.kubeferry.install.NodesPhase;
import io.kubeferry.install.PlanPhase;
import io.kubeferry.install.PreflightPhase;
import io.kubeferry.install.RuntimePhase;
import io.kubeferry.install.SummaryPhase;
import io.kubeferry.install.VerifyBundlePhase;
import io.kubeferry.install.WaitControlPlanePhase;
import io.kubeferry.install.WorkersPhase;
import io.kubeferry.pki.PkiService;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Every action the installer has. A new action is one method here and one line in {@link #all()}. */
public final class Actions {
    private Actions() {
    }

    /** Validate, connect to every host, print its facts and the preflight findings. Changes nothing. */
    public static Action check() {
        return new Action("check", "connect to every host, print its facts and the preflight findings",
                List.of(new ConnectPhase(), new GatherFactsPhase(), new ReportFactsPhase()), true);
    }

    /**
     * Re-sign certificates (kubeadm's names, or {@code all}) and push the changed files, restarting what reads
     * them. Every host is reached first: a host that is down must not keep other files than the state directory.
     */
    public static Action certsRenew(String nameOrAll, boolean localOnly) {
        return certsRenew(nameOrAll, localOnly, Optional.empty());
    }

    /**
     * As {@link #certsRenew(String, boolean)}; with an API, each restarted API server is waited for until it answers
     * {@code /readyz} before the next control plane is touched.
     */
    public static Action certsRenew(String nameOrAll, boolean localOnly, Optional<io.kubeferry.install.ClusterApi> api) {
        PkiService pki = new PkiService();
        RenewCertificatesPhase renew = new RenewCertificatesPhase(pki, nameOrAll);
        if (localOnly) {
            return new Action("certs-renew", "re-sign certificates in the state directory", List.of(renew), false, true);
        }
        return new Action("certs-renew", "re-sign certificates, push them and restart what reads them",
                List.of(new ConnectPhase(), renew, new PushPkiPhase(pki,
                        nameOrAll.equals(PkiService.ALL) || nameOrAll.equals("kubelet.conf"), api)), false, true);
    }

    /**
     * Push every host's PKI files as the state directory has them (unchanged files are skipped) and restart
     * what reads a changed one: brings back in line a host that was down during a renewal.
     */
    public static Action certsPush() {
        return certsPush(Optional.empty());
    }

    /** As {@link #certsPush()}, waiting for each restarted API server's {@code /readyz} when an API is given. */
    public static Action certsPush(Optional<io.kubeferry.install.ClusterApi> api) {
        return new Action("certs-push", "push the state directory's certificates to the hosts that hold them",
                List.of(new ConnectPhase(), new PushPkiPhase(new PkiService(), false, api)), false, true); // no renewal mid-push
    }

    /**
     * The install ({@code installer apply}, {@code ./install}): bundle and inventory checked, hosts checked and
     * fixed, the PKI and the plan made, files distributed, containerd and images, the control plane, the
     * cluster finished through its API, the workers joined, every node marked. Idempotent: a second run on a
     * healthy cluster writes and restarts nothing; a failed run is finished by running it again.
     *
     * @param skipPhases phase names left out ({@code --skip-phases}); checked by {@link #checkPhaseNames}
     */
    public static Action apply(InstallRun run, java.util.Set<String> skipPhases) {
        List<Phase> phases = List.of(
                new VerifyBundlePhase(run),
                new ConnectPhase(),
                new GatherFactsPhase(),
                // before preflight's safe fixes: the user's etcd is input, checked before anything is written
                new io.kubeferry.install.ExternalEtcdCheckPhase(),
                new PreflightPhase(run),
                new PlanPhase(run),
                new DistributePhase(run),
                new RuntimePhase(run),
                // a running cluster grows its etcd one learner at a time, before the members' etcd is (re)applied
                new io.kubeferry.install.EtcdJoinPhase(run),
                // etcd as host services: every member started first, then waited for (health needs the quorum)
                new ComponentsPhase("etcd", "etcd members as host services", run,
                        inv -> inv.etcdMode() == io.kubeferry.inventory.EtcdSettings.Mode.HOST_SERVICE ? inv.etcdMembers()
                                : List.of(), java.util.Set.of("etcd")),
                new io.kubeferry.install.EtcdHealthPhase(),
                new ComponentsPhase("control-plane", "Control plane: etcd, static pods, kubelet", run,
                        io.kubeferry.inventory.Inventory::controlPlanes, java.util.Set.of("apiserver-proxy", "etcd",
                        "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet")),
                new WaitControlPlanePhase(run),
                new FinishClusterPhase(run),
                new WorkersPhase(run),
                new NodesPhase(run),
                new SummaryPhase());
        return new Action("apply", "install or bring up to date the whole cluster",
                phases.stream().filter(p -> !skipPhases.contains(p.name())).toList(), false, true);
    }

    /**
     * {@code installer add-node NAME...}: the names checked against the inventory, then the whole apply (the inventory
     * is the desired state: a new worker is joined, a new control plane gets its certificates, its etcd member added
     * as a learner and promoted, and every proxy and server list brought up to date).
     */
    public static Action addNode(InstallRun run, List<String> names) {
        List<Phase> phases = new java.util.ArrayList<>();
        phases.add(new io.kubeferry.install.NamedHostsPhase(names));
        phases.addAll(apply(run, java.util.Set.of()).phases());
        return new Action("add-node", "add hosts of the inventory to the running cluster", phases, false, true);
    }

    /**
     * {@code installer remove-node NAME...}: checked (names, last control plane, etcd quorum), each host drained, its
     * Node and etcd member removed, the host cleaned; then the apply of the remaining hosts, with the inventory
     * narrowed to them.
     */
    public static Action removeNode(InstallRun run, List<String> names, boolean force, java.time.Duration timeout) {
        return removeNode(run, names, force, timeout, false);
    }

    /**
     * As {@link #removeNode(InstallRun, List, boolean, java.time.Duration)}; {@code unreachable}: the hosts are down or
     * gone: never connected to, not drained or cleaned, their Nodes deleted and etcd members removed.
     */
    public static Action removeNode(InstallRun run, List<String> names, boolean force, java.time.Duration timeout,
                                    boolean unreachable) {
        Set<String> before = Set.of("verify-bundle", ConnectPhase.NAME, "gather-facts", "check-external-etcd");
        Set<String> skipped = unreachable ? Set.copyOf(names) : Set.of();
        List<Phase> phases = new java.util.ArrayList<>();
        phases.add(new VerifyBundlePhase(run));
        phases.add(ConnectPhase.allBut(skipped));
        phases.add(new GatherFactsPhase(skipped));
        phases.add(new io.kubeferry.install.RemoveNodesPhase(run, names, force, timeout, unreachable));
        apply(run, java.util.Set.of()).phases().stream().filter(p -> !before.contains(p.name())).forEach(phases::add);
        return new Action("remove-node", "remove hosts from the running cluster", phases, false, true);
    }

    /**
     * {@code installer upgrade}: the cluster's version checked against the new bundle's (one minor at a time), preflight
     * against it, etcd's snapshot saved here, the certificates renewed, the new plan made and its files and images put
     * on every host (the new kubelet and etcd only staged), then the control planes one at a time, the addons, the
     * workers (drained) {@code --concurrency} at a time. A failure stops at its host; running it again goes on.
     */
    public static Action upgrade(io.kubeferry.install.UpgradeRun up) {
        InstallRun run = up.install();
        DistributePhase distribute = new DistributePhase(run, Set.of("kubelet", "etcd"));
        List<Phase> phases = List.of(
                new VerifyBundlePhase(run),
                new ConnectPhase(),
                new GatherFactsPhase(),
                new io.kubeferry.install.UpgradeCheckPhase(up),
                new PreflightPhase(run),
                new io.kubeferry.install.EtcdSnapshotPhase(up),
                new io.kubeferry.install.UpgradeRenewPhase(up, new PkiService()),
                new PlanPhase(run),
                distribute,
                new RuntimePhase(run),
                new io.kubeferry.install.EtcdHealthPhase(),
                io.kubeferry.install.UpgradeRollPhase.etcdHosts(up, distribute),
                io.kubeferry.install.UpgradeRollPhase.controlPlanes(up, distribute),
                new FinishClusterPhase(run),
                io.kubeferry.install.UpgradeRollPhase.workers(up, distribute),
                new NodesPhase(run),
                new SummaryPhase());
        return new Action("upgrade", "upgrade the cluster to the bundle's Kubernetes version", phases, false, true,
                up::inventoryFor);
    }

    /**
     * {@code installer upgrade --rollback}: the hosts holding an upgrade backup get their previous files back; with
     * {@code restoreEtcd}, etcd then goes back to the snapshot the upgrade saved.
     */
    public static Action upgradeRollback(io.kubeferry.install.ClusterApi api, boolean restoreEtcd) {
        return new Action("upgrade-rollback", "return the upgraded hosts to their files from before the upgrade",
                List.of(new ConnectPhase(), new io.kubeferry.install.UpgradeRollbackPhase(api, restoreEtcd)), false, true);
    }

    /**
     * {@code installer reset}: undo on the named hosts (every host when empty) what the install did there, from
     * what it recorded; connects only to those hosts.
     */
    public static Action reset(java.util.Set<String> hosts) {
        List<Phase> phases = new java.util.ArrayList<>();
        phases.add(new ConnectPhase(hosts));
        phases.addAll(io.kubeferry.reset.ResetPhases.forHosts(hosts));
        return new Action("reset", "undo the install on the hosts", phases, false);
    }

    /** Connect and look on every node (or one) for why the kubelet or control plane does not come up. */
    public static Action diagnose(String onlyHost) {
        return new Action("diagnose", "look on the nodes for why a kubelet or control plane does not come up",
                List.of(new ConnectPhase(), new io.kubeferry.install.DiagnosePhase(onlyHost)), true);
    }

    /**
     * {@code installer token create}: a bootstrap token (Secret and cluster-info signature) through the API; the
     * command prints {@link io.kubeferry.access.CreateTokenPhase#joinCommand()} afterwards. Not idempotent: each run
     * makes another token.
     */
    public static Action tokenCreate(io.kubeferry.access.CreateTokenPhase create) {
        return new Action("token-create", "create a bootstrap token and print its kubeadm join command", List.of(create), false);
    }

    /** {@code installer token list}: the bootstrap tokens, without their secrets. */
    public static Action tokenList(io.kubeferry.install.ClusterApi api) {
        return new Action("token-list", "list the bootstrap tokens",
                List.of(new io.kubeferry.access.ListTokensPhase(api, java.time.Clock.systemUTC())), false);
    }

    /** {@code installer token delete ID}: the token's Secret and its cluster-info signature. */
    public static Action tokenDelete(io.kubeferry.install.ClusterApi api, String id) {
        return new Action("token-delete", "delete a bootstrap token", List.of(new io.kubeferry.access.DeleteTokenPhase(api, id)), false);
    }

    /**
     * {@code installer kubeconfig user}: the user's bindings applied through the API first (when there are any to
     * apply), then the kubeconfig issued; every input checked before either. Holds the state lock (it records the
     * certificate).
     */
    public static Action kubeconfigUser(io.kubeferry.install.ClusterApi api, String userName,
                                        List<io.kubeferry.pki.UserKubeconfigs.Binding> applied,
                                        io.kubeferry.access.IssueUserKubeconfigPhase issue) {
        List<Phase> phases = applied.isEmpty() ? List.of(issue)
                : List.of(new io.kubeferry.access.BindUserPhase(api, userName, applied), issue);
        return new Action("kubeconfig-user", "bind a user and write its kubeconfig", phases, false, true);
    }

    /** {@code installer kubeconfig revoke NAME}: the user's bindings deleted; its certificates' expiry said. */
    public static Action kubeconfigRevoke(io.kubeferry.install.ClusterApi api, String userName) {
        return new Action("kubeconfig-revoke", "remove the bindings of a user",
                List.of(new io.kubeferry.access.RevokeUserPhase(api, userName, java.time.Clock.systemUTC())), false);
    }

    /** The apply action for listing its phases (no bundle needed to list them; not to be run). */
    static Action applyForListing() {
        return apply(new InstallRun(java.util.Optional.empty(), null, true, FileDistributor.directCopy(),
                new io.kubeferry.install.ClusterApi(false)), java.util.Set.of());
    }

    /** Refuses unknown names in {@code --skip-phases}, naming the known ones. */
    public static void checkPhaseNames(java.util.Collection<String> names, String option) {
        List<String> known = applyForListing().phaseNames();
        List<String> unknown = names.stream().filter(n -> !known.contains(n)).toList();
        if (!unknown.isEmpty()) {
            throw new io.kubeferry.errors.BadInputException(option, "unknown phase " + String.join(", ", unknown)
                    + "; apply's phases are " + String.join(", ", known));
        }
    }

    /** One instance of every action, for the list of phases and {@code installer phase NAME}. */
    public static List<Action> all() {
        return all(applyForListing());
    }

    private static List<Action> all(Action apply) {
        return List.of(check(), apply, certsRenew(PkiService.ALL, false), certsPush());
    }

    /** Every phase name, in the order of the actions, each once, with its title. */
    public static Map<String, String> phaseTitles() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Action a : all()) {
            a.phases().stream().filter(Phase::runsAlone).forEach(p -> out.putIfAbsent(p.name(), p.title()));
        }
        return out;
    }

    /** The first action having that phase, cut down to it (see {@link Action#only}). */
    public static Optional<Action> phase(String name, java.util.function.Supplier<InstallRun> install) {
        if (!phaseTitles().containsKey(name)) {
            return Optional.empty();
        }
        return all(apply(install.get(), java.util.Set.of())).stream().map(a -> a.only(name)).flatMap(Optional::stream).findFirst();
    }
}
