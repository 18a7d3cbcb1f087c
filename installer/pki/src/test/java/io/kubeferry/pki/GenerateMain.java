package io.kubeferry.pki;

import io.kubeferry.errors.KubeferryException;
import io.kubeferry.files.StateDirectory;
import io.kubeferry.files.StateLock;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code certs generate} as the command layer runs it, in its own process: open the state directory, take its
 * lock for the whole run, generate. Exits with the CLI's codes (0, 2 bad input, 3 refused, 4 a bug).
 * Arguments: the inventory directory, a file whose appearance starts it (after it printed "ready"), then
 * {@code --wait} to wait for the lock instead of being refused.
 */
public final class GenerateMain {
    private GenerateMain() {
    }

    static Inventory inventory(Path dir) {
        return TestClusters.inventory(dir, 3, 2, KeyAlgorithm.ECDSA_P256, "1.34.1");
    }

    public static void main(String[] args) {
        int code;
        try {
            Inventory inv = inventory(Path.of(args[0]));
            Path go = Path.of(args[1]);
            boolean wait = args.length > 2 && args[2].equals("--wait");
            // started JVMs differ by hundreds of milliseconds: line them up so the commands really overlap
            System.out.println("ready");
            System.out.flush();
            while (!Files.exists(go)) {
                Thread.sleep(2);
            }
            try (StateLock lock = StateDirectory.open(inv.stateDir()).lock("certs generate", wait)) {
                PkiReport report = new PkiService().generate(inv, lock);
                System.out.println("generated: " + report.with(PkiReport.Action.CREATED).size() + " created");
            }
            code = 0;
        } catch (KubeferryException e) {
            System.out.println(e.getMessage());
            code = e.exitCode().code();
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            code = 4;
        }
        System.out.flush();
        System.exit(code);
    }
}
