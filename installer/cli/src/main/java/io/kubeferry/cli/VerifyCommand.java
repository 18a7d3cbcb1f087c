package io.kubeferry.cli;

import io.kubeferry.bundle.BundleFormatException;
import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.DamagedArchiveException;
import io.kubeferry.bundle.VerificationReport;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.plan.InstallerBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check a bundle (an extracted directory or the .tar.gz) against its bundle.yaml: every file"
                + " present with its size and sha256. `./install` runs this first.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "BUNDLE",
            description = "Bundle directory or archive (default: the bundle this installer.jar was unpacked from).")
    Path bundle;

    @Override
    public Integer call() {
        Path target = bundle != null ? bundle : InstallerBundle.defaultDirectory();
        if (!Files.exists(target)) {
            throw new BadInputException(target.toString(), "no such bundle directory or archive");
        }
        VerificationReport report;
        try {
            report = new BundleVerifier().verify(target);
        } catch (DamagedArchiveException e) { // truncated or corrupt: the bundle is damaged (exit 3), not bad input
            throw new UnexpectedStateException(e.getMessage(), e);
        } catch (BundleFormatException e) {
            throw new BadInputException(target.toString(), e.getMessage());
        }
        if (!report.ok()) {
            throw new UnexpectedStateException(report.format());
        }
        spec.commandLine().getOut().println(report.format());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
