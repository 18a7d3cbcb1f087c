package io.kubeferry.errors;

/**
 * One located problem in the user's input.
 *
 * @param severity error stops the run; a warning is printed and the run goes on
 * @param where    the place: {@code file:line:column (yaml.path)} or a host name, whatever locates it best
 * @param message  what is wrong and what to do about it
 */
public record Problem(Severity severity, String where, String message) {
    public enum Severity { ERROR, WARNING }

    public static Problem error(String where, String message) {
        return new Problem(Severity.ERROR, where, message);
    }

    public static Problem warning(String where, String message) {
        return new Problem(Severity.WARNING, where, message);
    }

    public String format() {
        return (severity == Severity.WARNING ? "warning: " : "") + where + ": " + message;
    }
}
