package io.kubeferry.render;

import freemarker.template.TemplateMethodModelEx;
import freemarker.template.TemplateModelException;
import freemarker.template.TemplateScalarModel;
import freemarker.template.TemplateNumberModel;
import freemarker.template.TemplateBooleanModel;

import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code q(value)} in templates: the value as a YAML scalar that parses back as the same string. Plain when
 * that is safe (most flag values), double-quoted and escaped otherwise, so an inventory value can never
 * break the YAML structure or turn into a number, boolean or null.
 */
final class YamlScalarMethod implements TemplateMethodModelEx {
    private static final Pattern PLAIN_SAFE = Pattern.compile("[A-Za-z0-9_./=+-][A-Za-z0-9_./=+,:@*\\[\\]-]*");
    /** YAML 1.1 / 1.2 scalars that a parser would not read as a string: booleans, null, numbers, sexagesimals. */
    private static final Pattern LOOKS_TYPED = Pattern.compile("(?i)("
            + "true|false|yes|no|on|off|y|n|null|~"
            + "|[-+]?(0|[1-9][0-9_]*)"
            + "|[-+]?0[0-7_]+|0o[0-7]+|0x[0-9a-f_]+|0b[01_]+"
            + "|[-+]?([0-9][0-9_]*)?\\.[0-9_]*([e][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[e][-+]?[0-9]+"
            + "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?"
            + "|[-+]?\\.(inf|nan))");

    @Override
    public Object exec(@SuppressWarnings("rawtypes") List args) throws TemplateModelException {
        if (args.size() != 1) {
            throw new TemplateModelException("q(value) takes exactly one argument");
        }
        Object a = args.get(0);
        String s;
        if (a instanceof TemplateScalarModel sm) {
            s = sm.getAsString();
        } else if (a instanceof TemplateNumberModel nm) {
            s = nm.getAsNumber().toString();
        } else if (a instanceof TemplateBooleanModel bm) {
            s = Boolean.toString(bm.getAsBoolean());
        } else {
            throw new TemplateModelException("q(value) takes a string, number or boolean");
        }
        return quote(s);
    }

    static String quote(String s) {
        boolean plain = PLAIN_SAFE.matcher(s).matches() && !LOOKS_TYPED.matcher(s).matches()
                && !s.contains(": ") && !s.endsWith(":") && !s.equals("-") && !s.contains(" #");
        if (plain) {
            return s;
        }
        // TOML basic-string escapes (backslash-u for control characters and DEL) are valid YAML double-quoted escapes too
        return TomlStringMethod.quote(s);
    }
}
