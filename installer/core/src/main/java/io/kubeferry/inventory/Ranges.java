package io.kubeferry.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Expands one {@code [from:to]} range in a host name or address: {@code node[01:20]}, {@code 10.0.0.[10:29]}. */
final class Ranges {
    private static final Pattern RANGE = Pattern.compile("\\[(\\d+):(\\d+)]");
    static final int MAX_EXPANSION = 10_000;

    private Ranges() {
    }

    static boolean hasRange(String s) {
        return RANGE.matcher(s).find();
    }

    /** The expanded list, or empty with a reason in {@code error[0]} when the range is malformed. */
    static Optional<List<String>> expand(String s, String[] error) {
        Matcher m = RANGE.matcher(s);
        if (!m.find()) {
            return Optional.of(List.of(s));
        }
        String prefix = s.substring(0, m.start());
        String suffix = s.substring(m.end());
        if (RANGE.matcher(suffix).find()) {
            error[0] = "only one [from:to] range is allowed in '" + s + "'";
            return Optional.empty();
        }
        String fromText = m.group(1);
        long from = Long.parseLong(fromText);
        long to = Long.parseLong(m.group(2));
        if (to < from) {
            error[0] = "range [" + fromText + ":" + m.group(2) + "] runs backwards";
            return Optional.empty();
        }
        if (to - from + 1 > MAX_EXPANSION) {
            error[0] = "range [" + fromText + ":" + m.group(2) + "] expands to more than " + MAX_EXPANSION + " hosts";
            return Optional.empty();
        }
        // node[01:20] keeps the zero padding of the first number
        int width = fromText.startsWith("0") ? fromText.length() : 0;
        List<String> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            String n = width > 0 ? String.format("%0" + width + "d", i) : Long.toString(i);
            out.add(prefix + n + suffix);
        }
        return Optional.of(out);
    }
}
