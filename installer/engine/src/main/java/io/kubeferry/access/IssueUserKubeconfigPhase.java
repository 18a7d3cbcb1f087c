package io.kubeferry.access;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.files.LocalIoFailure;
import io.kubeferry.files.PrivateFiles;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.DryRunPlan;
import io.kubeferry.phase.Phase;
import io.kubeferry.phase.RunContext;
import io.kubeferry.pki.UserCertificateRecords;
import io.kubeferry.pki.UserKubeconfigs;
import io.kubeferry.pki.UserKubeconfigs.Binding;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code kubeconfig user}'s local part: a client certificate signed by the cluster CA, its kubeconfig written 0600
 * (or kept for the command to print, with {@code -o -}: never through the console, so never in the log), and the
 * certificate's public part recorded in the state directory ({@link UserCertificateRecords}) for
 * {@code kubeconfig revoke}. With {@code bindingFile} it also writes the bindings as YAML next to the kubeconfig
 * (when they are not applied through the API).
 */
public final class IssueUserKubeconfigPhase implements Phase {
    /** @param output the kubeconfig file, or null to keep it for the command ({@code -o -}) */
    public record Request(String userName, List<String> groups, Duration validity, String namespace, Path output,
                          List<Binding> bindingsToFile) {
        public Request {
            groups = List.copyOf(groups);
            bindingsToFile = List.copyOf(bindingsToFile);
        }
    }

    private final UserKubeconfigs users;
    private final Request request;
    private volatile UserKubeconfigs.UserKubeconfig issued;

    public IssueUserKubeconfigPhase(UserKubeconfigs users, Request request) {
        this.users = users;
        this.request = request;
    }

    @Override
    public String name() {
        return "issue-user-kubeconfig";
    }

    @Override
    public String title() {
        return "Kubeconfig for user " + request.userName();
    }

    @Override
    public boolean runsAlone() {
        return false;
    }

    @Override
    public void validate(Inventory inventory) {
        users.validate(inventory, request.userName(), request.groups(), request.validity(), request.namespace());
        if (request.output() != null && Files.isDirectory(request.output())) {
            throw new BadInputException("--output", request.output() + " is a directory; name the kubeconfig file to write");
        }
    }

    /** The binding file next to the kubeconfig: {@code FILE.rbac.yaml}. */
    public Path bindingFile() {
        return request.output().resolveSibling(request.output().getFileName() + ".rbac.yaml");
    }

    @Override
    public void run(RunContext ctx) {
        UserKubeconfigs.UserKubeconfig kc = users.create(ctx.inventory(), request.userName(), request.groups(),
                request.validity(), request.namespace());
        UserCertificateRecords.record(ctx.inventory(), request.userName(), kc.certificatePem());
        if (request.output() != null) {
            write(request.output(), kc.content());
            ctx.changed(DryRunPlan.CLUSTER, "wrote " + request.output());
            if (!request.bindingsToFile().isEmpty()) {
                write(bindingFile(), request.bindingsToFile().stream().map(b -> UserKubeconfigs.bindingYaml(request.userName(), b))
                        .collect(Collectors.joining("---\n")).getBytes(StandardCharsets.UTF_8));
            }
        }
        issued = kc;
    }

    @Override
    public void dryRun(RunContext ctx) {
        ctx.plan().change(DryRunPlan.CLUSTER, name(), (request.output() == null ? "print" : "write " + request.output() + " (0600):")
                + " a kubeconfig for user " + request.userName() + (request.groups().isEmpty() ? "" : ", groups "
                + String.join(",", request.groups())) + ", client certificate valid " + request.validity().toHours()
                + "h, signed by the cluster CA");
        if (request.output() != null && !request.bindingsToFile().isEmpty()) {
            ctx.plan().change(DryRunPlan.CLUSTER, name(), "write " + bindingFile() + " (the bindings, not applied)");
        }
    }

    /** The kubeconfig made by the run; null before it (and in a dry run). */
    public UserKubeconfigs.UserKubeconfig issued() {
        return issued;
    }

    private static void write(Path file, byte[] content) {
        try {
            PrivateFiles.write(file, content, 0600, 0700);
        } catch (IOException e) {
            throw LocalIoFailure.of(file, "write", e);
        }
    }
}
