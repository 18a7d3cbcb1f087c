package io.kubeferry.install;

import io.kubeferry.bundle.BundleVerifier;
import io.kubeferry.bundle.VerificationReport;
import io.kubeferry.errors.UnexpectedStateException;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.phase.ReadOnlyPhase;
import io.kubeferry.phase.RunContext;

/**
 * Every file of the bundle against bundle.yaml (sha256, modes, nothing unsafe), and the inventory against the
 * bundle (Kubernetes version, images) before any host is touched. The launcher verifies the bundle before Java
 * starts and says so with {@value #VERIFIED_ENV}; then the hashing is not done twice.
 */
public final class VerifyBundlePhase implements ReadOnlyPhase {
    public static final String VERIFIED_ENV = "KUBEFERRY_BUNDLE_VERIFIED";
    private final InstallRun run;

    public VerifyBundlePhase(InstallRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return "verify-bundle";
    }

    @Override
    public String title() {
        return "Verify the bundle and check the inventory against it";
    }

    @Override
    public void validate(Inventory inventory) {
        run.checkBundle(inventory);
    }

    @Override
    public void run(RunContext ctx) {
        var dir = run.bundle().dir();
        if ("1".equals(System.getenv(VERIFIED_ENV))) {
            ctx.console().detail("    " + dir + ": verified by ./install before the installer started");
            return;
        }
        VerificationReport report = new BundleVerifier().verifyDirectory(dir);
        if (!report.ok()) {
            throw new UnexpectedStateException("the bundle at " + dir + " is damaged; unpack it again from the"
                    + " archive:\n" + report.format());
        }
        ctx.console().detail("    " + dir + ": " + report.manifest().files().size() + " files match bundle.yaml");
    }
}
