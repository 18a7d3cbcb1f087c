package io.kubeferry.errors;

/**
 * One located problem in the user's input.
 *
 * @param severity error stops the run; a warning is printed and the run goes on
 * @param location the place: a position in a file with its YAML path, or a host, flag or path
 * @param message  what is wrong and what to do about it
 */
public record Problem(Severity severity, Location location, String message) {
    public enum Severity { ERROR, WARNING }

    public static Problem error(Location where, String message) {
        return new Problem(Severity.ERROR, where, message);
    }

    public static Problem warning(Location where, String message) {
        return new Problem(Severity.WARNING, where, message);
    }

    /** A problem at a place that is not a position in a file (a flag, a host, a path). */
    public static Problem error(String where, String message) {
        return error(Location.place(where), message);
    }

    public static Problem warning(String where, String message) {
        return warning(Location.place(where), message);
    }

    /** The place as text, e.g. {@code inventory.yaml:6:3 (cluster.kubernetesVersio)}. */
    public String where() {
        return location.format();
    }

    public String format() {
        return (severity == Severity.WARNING ? "warning: " : "") + where() + ": " + message;
    }
}
