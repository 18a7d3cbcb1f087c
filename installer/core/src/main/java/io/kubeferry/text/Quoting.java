package io.kubeferry.text;

/** Quoting of values written into generated files, so that a value can never break the file's structure. */
public final class Quoting {
    private Quoting() {
    }

    /**
     * {@code s} as a double-quoted string with backslash escapes: {@code \"}, {@code \\}, {@code \n}, {@code \r},
     * {@code \t}, and {@code \}{@code uXXXX} for other control characters and DEL. Valid alike as a JSON string,
     * a TOML basic string and a YAML double-quoted scalar, and reads back as {@code s} in each.
     */
    public static String doubleQuoted(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
