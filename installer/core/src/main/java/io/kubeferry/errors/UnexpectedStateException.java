package io.kubeferry.errors;

/** A host, file or cluster is not in the state we expected (changed host key, foreign files, tampered bundle). */
public class UnexpectedStateException extends KubeferryException {
    public UnexpectedStateException(String message) {
        super(message);
    }

    public UnexpectedStateException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.UNEXPECTED_STATE;
    }
}
