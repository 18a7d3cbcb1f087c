package io.kubeferry.e2e;

import io.kubeferry.testbed.TestHost;
import io.kubeferry.testbed.Testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the unpacked test bundle's {@code ./install} as a user does (a separate process, this JVM's Java as
 * {@code KUBEFERRY_JAVA} since the test bundle has no runtime), and reads what the hosts have afterwards.
 */
final class Install {
    /** What a run printed (stdout and stderr interleaved, as on a terminal) and its exit code. */
    record Run(int exit, String output) {
        @Override
        public String toString() {
            return "exit " + exit + "\n" + output;
        }
    }

    private Install() {
    }

    static Run run(TestBundle bundle, Consumer<String> eachLine, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(bundle.dir().resolve("install").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KUBEFERRY_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                System.out.println("[install] " + line);
                eachLine.accept(line);
            }
        }
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("./install did not end within 15 minutes:\n" + out);
        }
        return new Run(p.exitValue(), out.toString());
    }

    static Run run(TestBundle bundle, String... args) throws IOException, InterruptedException {
        return run(bundle, line -> { }, args);
    }

    /** The machine's real kubectl (Go TLS) with a kubeconfig of the state directory, dialling {@code server}. */
    static Run kubectl(Path kubeconfig, String server, String... args) throws IOException, InterruptedException {
        return command(List.of("/usr/bin/kubectl", "--kubeconfig", kubeconfig.toString(), "--server", server), args);
    }

    /** A command of this machine (kubectl, etcdctl): {@code base} then {@code args}, output and exit code. */
    static Run command(List<String> base, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Run(p.waitFor(), out);
    }

    /**
     * Every file under the install's directories with its modification time, and the pids of the services the
     * systemctl stand-in supervises: equal before and after a run means nothing was rewritten or restarted.
     */
    static String snapshot(Testbed tb, TestHost h) {
        var r = tb.exec(h, "find /etc/kubernetes /etc/containerd /etc/systemd/system /var/lib/kubelet /usr/local/bin"
                + " /etc/kubeferry /var/lib/kubeferry -xdev -type f -printf '%p %T@\\n' 2>/dev/null | sort;"
                + " for f in /run/systemctl-standin/*.pid /run/systemctl-standin/*.mainpid; do echo \"$f $(cat $f)\"; done");
        return r.stdout();
    }

    /** {@link #snapshot} of hosts kf-h1..kf-hN, by name. */
    static Map<String, String> snapshots(Testbed tb, int hosts) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 1; i <= hosts; i++) {
            out.put(tb.host(i).name(), snapshot(tb, tb.host(i)));
        }
        return out;
    }

    static Path writeInventory(Path dir, String yaml) throws IOException {
        Files.createDirectories(dir);
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, yaml);
        return inv;
    }
}
