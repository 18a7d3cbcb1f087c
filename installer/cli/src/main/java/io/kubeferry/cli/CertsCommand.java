package io.kubeferry.cli;

import io.kubeferry.errors.Problem;
import io.kubeferry.files.StateLock;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.action.Actions;
import io.kubeferry.plan.ClusterPlanner;
import io.kubeferry.pki.CertStatus;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "The cluster's certificates and kubeconfigs, kept in .kubeferry/<cluster>/pki next to the inventory.",
        subcommands = {CertsCommand.Generate.class, CertsCommand.CheckExpiration.class, CertsCommand.Renew.class,
                CertsCommand.Push.class})
final class CertsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Create every CA, certificate, key and kubeconfig kubeadm would make (local only; no host is"
                    + " touched). Idempotent: a valid CA is never regenerated, a leaf only when it must change.")
    static final class Generate implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        InventoryOption inventory;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Inventory inv = inventory.load(spec.commandLine().getErr());
            PkiReport report;
            try (StateLock lock = inventory.lockState(inv, "certs generate", spec.commandLine().getErr())) {
                report = ClusterPlanner.forThisInstaller(new PkiService(), Optional.empty()).certificates(inv, lock);
            }
            printReport(out, spec.commandLine().getErr(), inv, report);
            return 0;
        }
    }

    static void printReport(PrintWriter out, PrintWriter err, Inventory inv, PkiReport report) {
        Map<PkiReport.Action, Integer> counts = new TreeMap<>();
        for (PkiReport.Entry e : report.entries()) {
            counts.merge(e.action(), 1, Integer::sum);
            if (e.action() != PkiReport.Action.KEPT) {
                out.printf(Locale.ROOT, "  %-12s %-28s %-14s %s%n", e.action().name().toLowerCase(Locale.ROOT), e.name(),
                        e.host() == null ? "" : e.host(), e.reason() == null ? "" : e.reason());
            }
        }
        for (Problem w : report.warnings()) {
            err.println("warning: " + w.format());
        }
        out.println("PKI in " + inv.stateDir().resolve("pki") + ": " + counts.entrySet().stream()
                .map(c -> c.getValue() + " " + c.getKey().name().toLowerCase(Locale.ROOT)).toList());
        out.flush();
        err.flush();
    }

    @Command(name = "check-expiration", mixinStandardHelpOptions = true,
            description = "List every certificate and kubeconfig with its expiry, residual time and CA (local state).")
    static final class CheckExpiration implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        InventoryOption inventory;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Inventory inv = inventory.load(spec.commandLine().getErr());
            List<CertStatus> rows = new PkiService().checkExpiration(inv);
            DateTimeFormatter time = DateTimeFormatter.ofPattern("MMM dd, yyyy HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
            out.printf(Locale.ROOT, "%-28s %-14s %-22s %-14s %-16s %s%n", "CERTIFICATE", "HOST", "EXPIRES", "RESIDUAL TIME",
                    "CA", "EXTERNALLY MANAGED");
            for (CertStatus s : rows) {
                out.printf(Locale.ROOT, "%-28s %-14s %-22s %-14s %-16s %s%n", s.name(), s.host() == null ? "-" : s.host(),
                        s.notAfter() == null ? s.problem() : time.format(s.notAfter()),
                        s.residual() == null ? "-" : s.expired() ? "EXPIRED" : residual(s.residual()),
                        s.ca() == null ? "-" : s.ca(), s.external() ? "yes" : "no");
            }
            out.flush();
            return 0;
        }

        private static String residual(java.time.Duration d) {
            long days = d.toDays();
            return days >= 365 ? (days / 365) + "y" + (days % 365 == 0 ? "" : (days % 365) + "d")
                    : days >= 1 ? days + "d" : d.toHours() + "h";
        }
    }

    @Command(name = "renew", mixinStandardHelpOptions = true,
            description = "Re-sign certificates and kubeconfigs with the same CA, push the changed files to the hosts"
                    + " that hold them and restart what reads them. NAME is kubeadm's (apiserver, etcd-server,"
                    + " admin.conf, kubelet.conf...) or 'all'.")
    static final class Renew implements Callable<Integer> {
        @Mixin
        RunOptionsMixin options;

        @Parameters(index = "0", paramLabel = "NAME", description = "What to renew, or 'all'.")
        String name;

        @Option(names = "--local-only", description = "Renew in the state directory only; push nothing.")
        boolean localOnly;

        @Mixin
        ApiOption api;

        @Override
        public Integer call() {
            options.runner().run(Actions.certsRenew(name, localOnly, java.util.Optional.of(api.clusterApi())));
            return 0;
        }
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = "Push every host's certificates and kubeconfigs as the state directory has them (unchanged"
                    + " files are skipped) and restart what reads a changed one: brings a host that was down during"
                    + " a renewal back in line.")
    static final class Push implements Callable<Integer> {
        @Mixin
        RunOptionsMixin options;

        @Mixin
        ApiOption api;

        @Override
        public Integer call() {
            options.runner().run(Actions.certsPush(java.util.Optional.of(api.clusterApi())));
            return 0;
        }
    }
}
