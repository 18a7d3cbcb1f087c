package io.kubeferry.host;

import java.util.List;
import java.util.stream.Collectors;

/** POSIX shell quoting. Every value from the inventory or a host that goes into a command goes through here. */
public final class Shell {
    private Shell() {
    }

    /** Single-quotes a word so that {@code sh} takes it literally, whatever it contains. */
    public static String quote(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }

    /** Quotes each word and joins them with spaces. */
    public static String command(List<String> words) {
        return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
    }

    public static String command(String... words) {
        return command(List.of(words));
    }
}
