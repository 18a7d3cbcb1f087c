package io.kubeferry.errors;

/** Exit codes shared by every Kubeferry command (jbang style). */
public enum ExitCode {
    OK(0),
    /** Work failed on one or more hosts. */
    HOST_FAILURE(1),
    /** The user's input (inventory, flags, bundle spec, files) is wrong; nothing was done. */
    BAD_INPUT(2),
    /** A host or the cluster is in a state we did not expect (e.g. a changed host key, a foreign CA). */
    UNEXPECTED_STATE(3),
    /** A bug in Kubeferry. */
    INTERNAL(4);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
