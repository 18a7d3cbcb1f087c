package io.kubeferry.files;

import java.nio.file.Path;

/** Another process holding a state directory's lock: prints "locked", holds it until its stdin closes. */
public final class LockHolderMain {
    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (StateLock lock = StateDirectory.open(Path.of(args[0])).lock(args[1], false)) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the test closes our stdin
            }
        }
    }
}
