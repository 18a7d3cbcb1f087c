package io.kubeferry.cli;

import io.kubeferry.bundle.BundleManifest;
import io.kubeferry.bundle.BundleManifestYaml;
import io.kubeferry.component.ImageSet;
import io.kubeferry.component.RenderedFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.pki.CaKind;
import io.kubeferry.pki.PkiLayout;
import io.kubeferry.pki.PkiReport;
import io.kubeferry.pki.PkiService;
import io.kubeferry.render.RenderInputs;
import io.kubeferry.render.RenderService;
import io.kubeferry.render.RenderedCluster;
import io.kubeferry.render.TemplateSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Write, without touching any host, the complete tree of files each host would get"
                + " (out/<host>/...) and the cluster addons (out/cluster/addons/*.yaml): the review step before a"
                + " change window. Creates the cluster's PKI in the state directory if it is missing.")
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
        PkiService pki = new PkiService();
        PkiReport report = pki.generate(inv); // idempotent: the same PKI the install will use
        if (report.changedAnything()) {
            CertsCommand.printReport(out, spec.commandLine().getErr(), inv, report);
        }
        Optional<Path> bundle = bundleDir();
        TemplateSource source = templates != null ? TemplateSource.directory(templates)
                : bundle.map(b -> TemplateSource.directory(b.resolve("templates"))).orElseGet(TemplateSource::builtIn);
        Host firstControlPlane = inv.controlPlanes().get(0);
        byte[] caPem = pki.filesFor(inv, firstControlPlane).stream()
                .filter(f -> f.path().equals("/etc/kubernetes/pki/ca.crt")).findFirst().orElseThrow().content();
        PkiLayout layout = PkiLayout.of(inv);
        boolean externalCa = Files.isRegularFile(layout.caCert(CaKind.KUBERNETES))
                && !Files.exists(layout.caKey(CaKind.KUBERNETES)); // the operator keeps the CA key
        RenderInputs inputs = RenderInputs.none().withClusterCa(caPem).withExternalCa(externalCa);
        if (bundle.isPresent()) {
            BundleManifest manifest = readManifest(bundle.get());
            inputs = inputs.withImages(ImageSet.fromList(inv.cluster(),
                    manifest.images().stream().map(BundleManifest.ImageEntry::name).toList(),
                    bundle.get().resolve("bundle.yaml").toString()));
        }
        RenderService service = new RenderService(source);
        RenderedCluster rendered = service.renderAll(inv, inputs);
        if (withSecrets) {
            Map<String, List<RenderedFile>> secrets = new LinkedHashMap<>();
            for (Host h : inv.hosts()) {
                secrets.put(h.name(), pki.filesFor(inv, h).stream()
                        .map(f -> new RenderedFile(f.path(), f.content(), f.mode())).toList());
            }
            rendered = rendered.withExtraFiles(secrets);
        }
        service.save(rendered, output);
        rendered.summary().forEach(out::println);
        out.println("written to " + output.toAbsolutePath() + (withSecrets ? " (with secrets: keep it private)" : ""));
        out.flush();
        return 0;
    }

    /** The bundle this installer runs from, if any (bundle.yaml beside installer.jar). */
    private static Optional<Path> bundleDir() {
        String prop = System.getProperty("kubeferry.bundle.dir");
        Path dir = prop != null ? Path.of(prop) : VerifyCommand.defaultBundle();
        return Files.isRegularFile(dir.resolve("bundle.yaml")) && Files.isDirectory(dir.resolve("templates"))
                ? Optional.of(dir) : Optional.empty();
    }

    private static BundleManifest readManifest(Path bundle) {
        Path file = bundle.resolve("bundle.yaml");
        try {
            return BundleManifestYaml.read(file);
        } catch (IOException | RuntimeException e) {
            throw new io.kubeferry.errors.BadInputException(file.toString(), "cannot read the bundle manifest ("
                    + e.getMessage() + "); run `installer verify` on the bundle, or unpack it again");
        }
    }
}
