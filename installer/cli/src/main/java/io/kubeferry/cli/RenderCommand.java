package io.kubeferry.cli;

import io.kubeferry.files.StateLock;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;
import io.kubeferry.plan.ClusterPlan;
import io.kubeferry.plan.ClusterPlanner;
import io.kubeferry.render.OutputTree;
import io.kubeferry.render.RenderedCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Write, without touching any host, the complete tree of files each host would get"
                + " (out/<host>/...) and the cluster addons (out/cluster/addons/*.yaml): the review step before a"
                + " change window. Creates the cluster's PKI in the state directory if it is missing. Without hosts,"
                + " no facts are known: a host where systemd-resolved runs gets resolvConf in its kubelet config at"
                + " install time, which this tree does not show.")
final class RenderCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    InventoryOption inventory;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "Directory to write (empty, or an earlier render which is replaced).")
    Path output;

    @Option(names = "--with-secrets", description = "Also write every host's keys, certificates and kubeconfigs.")
    boolean withSecrets;

    @Option(names = "--templates", paramLabel = "DIR",
            description = "Templates to use (default: the bundle's templates/, or the installer's built-in copy).")
    Path templates;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Inventory inv = inventory.load(spec.commandLine().getErr());
        ClusterPlanner planner = ClusterPlanner.forThisInstaller(new PkiService(), Optional.ofNullable(templates));
        OutputTree.check(output); // before anything is written, the PKI included
        planner.checkInputs(inv);
        ClusterPlan plan;
        try (StateLock lock = inventory.lockState(inv, "render", spec.commandLine().getErr())) {
            PkiReport report = planner.certificates(inv, lock); // idempotent: the same PKI the install will use
            if (report.changedAnything()) {
                CertsCommand.printReport(out, spec.commandLine().getErr(), inv, report);
            }
            plan = planner.plan(inv, Map.of());
        }
        RenderedCluster rendered = withSecrets ? plan.renderedWithSecrets() : plan.rendered();
        OutputTree.write(rendered, output);
        rendered.summary().forEach(out::println);
        out.println("written to " + output.toAbsolutePath() + (withSecrets ? " (with secrets: keep it private)" : ""));
        out.flush();
        return 0;
    }
}
