package io.kubeferry.action;

import io.kubeferry.phase.Phase;
import io.kubeferry.phase.builtin.ConnectPhase;
import io.kubeferry.phase.builtin.GatherFactsPhase;
import io.kubeferry.phase.builtin.PushPkiPhase;
import io.kubeferry.phase.builtin.RenewCertificatesPhase;
import io.kubeferry.phase.builtin.ReportFactsPhase;
import io.kubeferry.pki.PkiService;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        PkiService pki = new PkiService();
        RenewCertificatesPhase renew = new RenewCertificatesPhase(pki, nameOrAll);
        if (localOnly) {
            return new Action("certs-renew", "re-sign certificates in the state directory", List.of(renew), false, true);
        }
        return new Action("certs-renew", "re-sign certificates, push them and restart what reads them",
                List.of(new ConnectPhase(), renew, new PushPkiPhase(pki)), false, true);
    }

    /**
     * Push every host's PKI files as the state directory has them (unchanged files are skipped) and restart
     * what reads a changed one: brings back in line a host that was down during a renewal.
     */
    public static Action certsPush() {
        return new Action("certs-push", "push the state directory's certificates to the hosts that hold them",
                List.of(new ConnectPhase(), new PushPkiPhase(new PkiService())), false, true); // no renewal mid-push
    }

    /** One instance of every action, for the list of phases and {@code installer phase NAME}. */
    public static List<Action> all() {
        return List.of(check(), certsRenew(PkiService.ALL, false), certsPush());
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
    public static Optional<Action> phase(String name) {
        if (!phaseTitles().containsKey(name)) {
            return Optional.empty();
        }
        return all().stream().map(a -> a.only(name)).flatMap(Optional::stream).findFirst();
    }
}
