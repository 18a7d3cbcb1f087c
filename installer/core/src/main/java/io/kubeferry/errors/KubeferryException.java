package io.kubeferry.errors;

/**
 * Base of every typed failure. Library code throws these; only the CLI layer turns them into
 * messages and exit codes (see {@link ExitCode}).
 */
public abstract class KubeferryException extends RuntimeException {
    protected KubeferryException(String message) {
        super(message);
    }

    protected KubeferryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The process exit code this failure maps to. */
    public abstract ExitCode exitCode();
}
