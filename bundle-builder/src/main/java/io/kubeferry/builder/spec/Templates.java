package io.kubeferry.builder.spec;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Expands {@code ${name}} placeholders in URL and file-name templates. */
public final class Templates {
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

    private Templates() {
    }

    /** @throws IllegalArgumentException naming the first unknown variable */
    public static String expand(String template, Map<String, String> vars) {
        Matcher m = VAR.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = vars.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("unknown variable ${" + m.group(1) + "} (known: "
                        + String.join(", ", new java.util.TreeSet<>(vars.keySet())) + ")");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
