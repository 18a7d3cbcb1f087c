package io.kubeferry.errors;

import java.util.Comparator;

/**
 * Where a problem is: a place in a file ({@code inventory.yaml:6:3 (cluster.kubernetesVersio)}) or any other
 * place a user can find (a flag such as {@code --valid}, a host name, a path). {@link #format()} is the one
 * text form; {@link #ORDER} sorts places in a file in reading order, other places after them.
 */
public sealed interface Location {
    /** Reading order: file places by file, line and column; plain places last, in the order given. */
    Comparator<Location> ORDER = Comparator
            .comparing((Location l) -> l instanceof InFile f ? f.file() : "\uffff")
            .thenComparingInt(l -> l instanceof InFile f && f.line() > 0 ? f.line() : Integer.MAX_VALUE)
            .thenComparingInt(l -> l instanceof InFile f ? f.column() : Integer.MAX_VALUE);

    String format();

    /** A place that is not a position in a file: a flag, a host, a path, a YAML path without a file. */
    static Location place(String text) {
        return new Place(text);
    }

    /** A whole file, for a problem without a line (an empty or unreadable file). */
    static Location file(String file) {
        return new InFile(file, 0, 0, null);
    }

    /**
     * @param file     the file as the user named it
     * @param line     1-based, 0 for the whole file
     * @param column   1-based
     * @param yamlPath the YAML path ({@code hosts[0].address}; empty for the document's root), or null when unknown
     */
    record InFile(String file, int line, int column, String yamlPath) implements Location {
        @Override
        public String format() {
            if (line <= 0) {
                return file;
            }
            return file + ":" + line + ":" + column + (yamlPath == null ? "" : " (" + yamlPath + ")");
        }
    }

    record Place(String text) implements Location {
        @Override
        public String format() {
            return text;
        }
    }
}
