package io.kubeferry.testbed;

/** Result of a command run inside a test host (or of testbed.sh itself). */
public record ExecResult(int exitCode, String stdout, String stderr) {

    public boolean ok() {
        return exitCode == 0;
    }
}
