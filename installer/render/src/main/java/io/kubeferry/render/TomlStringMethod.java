package io.kubeferry.render;

import io.kubeferry.text.Quoting;
import freemarker.template.TemplateMethodModelEx;
import freemarker.template.TemplateModelException;
import freemarker.template.TemplateScalarModel;

import java.util.List;

/** {@code tq(value)} in templates: a TOML basic string, quoted and escaped, so a value cannot break the file. */
final class TomlStringMethod implements TemplateMethodModelEx {
    @Override
    public Object exec(@SuppressWarnings("rawtypes") List args) throws TemplateModelException {
        if (args.size() != 1 || !(args.get(0) instanceof TemplateScalarModel s)) {
            throw new TemplateModelException("tq(value) takes exactly one string");
        }
        return quote(s.getAsString());
    }

    static String quote(String s) {
        return Quoting.doubleQuoted(s);
    }
}
