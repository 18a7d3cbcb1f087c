package io.kubeferry.render;

import freemarker.core.InvalidReferenceException;
import freemarker.core.ParseException;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import freemarker.template.TemplateNotFoundException;
import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;

import java.io.IOException;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

/**
 * FreeMarker configured for untrusted, operator-editable templates: no object construction ({@code ?new}),
 * no API access ({@code ?api}), and a missing value is an error, never a blank. Templates get plain maps,
 * lists, strings, numbers and booleans only (see {@code templates/README.md} for the model).
 */
public final class TemplateEngine {
    private final Configuration cfg;
    private final TemplateSource source;

    public TemplateEngine(TemplateSource source) {
        this.source = source;
        cfg = new Configuration(Configuration.VERSION_2_3_34);
        cfg.setTemplateLoader(source.loader());
        cfg.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        cfg.setAPIBuiltinEnabled(false);
        cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        cfg.setAttemptExceptionReporter((te, env) -> { });
        cfg.setLogTemplateExceptions(false);
        cfg.setWrapUncheckedExceptions(true);
        cfg.setFallbackOnNullLoopVariable(false);
        cfg.setLocalizedLookup(false);
        cfg.setLocale(Locale.ROOT);
        cfg.setTimeZone(TimeZone.getTimeZone("UTC"));
        cfg.setNumberFormat("computer");
        cfg.setBooleanFormat("c");
        cfg.setDefaultEncoding("UTF-8");
        cfg.setOutputEncoding("UTF-8");
        cfg.setWhitespaceStripping(true);
        // templates are re-read only when a new engine is made: one render is one consistent snapshot
        cfg.setTemplateUpdateDelayMilliseconds(Long.MAX_VALUE);
    }

    public TemplateSource source() {
        return source;
    }

    /**
     * Renders {@code name} (e.g. {@code kubelet/config.yaml.ftl}) with the model. The helper {@code q} (YAML
     * scalar quoting) and {@code tq} (TOML string) are added to every model.
     *
     * @throws BadInputException naming the template, line and missing name when the template is wrong
     */
    public String render(String name, Map<String, ?> model) {
        Template template;
        try {
            template = cfg.getTemplate(name);
        } catch (TemplateNotFoundException e) {
            throw new BadInputException(where(name, null), "template not found; a bundle's templates/ directory "
                    + "must hold every template (copy the missing one from the installer's built-in set)");
        } catch (ParseException e) {
            throw new BadInputException(where(e.getTemplateName() == null ? name : e.getTemplateName(),
                    e.getLineNumber()), "template syntax error: " + e.getEditorMessage());
        } catch (IOException e) {
            throw new BadInputException(where(name, null), "cannot read template: " + e.getMessage());
        } catch (SecurityException e) {
            throw outside(name);
        }
        Map<String, Object> root = new HashMap<>(model);
        root.put("q", new YamlScalarMethod());
        root.put("tq", new TomlStringMethod());
        StringWriter out = new StringWriter();
        try {
            template.process(root, out);
        } catch (InvalidReferenceException e) {
            String missing = e.getBlamedExpressionString();
            throw new BadInputException(List.of(Problem.error(where(sourceName(e, name), e.getLineNumber()),
                    "template uses '" + (missing == null ? "?" : missing) + "', which has no value in the model; "
                            + "fix the template (names it may use are listed in templates/README.md), "
                            + "or write ${name!\"default\"} if it is optional")));
        } catch (TemplateException e) {
            if (e.getCauseException() instanceof SecurityException || e.getCause() instanceof SecurityException) {
                throw outside(sourceName(e, name));
            }
            if (e.getCause() instanceof ParseException p && p.getTemplateName() != null) {
                // a syntax error in an included template: name that file and line, not the include's
                throw new BadInputException(where(p.getTemplateName(), p.getLineNumber()),
                        "template syntax error: " + p.getEditorMessage());
            }
            throw new BadInputException(where(sourceName(e, name), e.getLineNumber()),
                    "template error: " + firstLine(e.getMessageWithoutStackTop()));
        } catch (SecurityException e) {
            throw outside(name);
        } catch (IOException e) {
            throw new IllegalStateException("writing to a string failed", e);
        }
        return out.toString();
    }

    /** FileTemplateLoader refuses files whose real path leaves the templates directory (symlinks). */
    private BadInputException outside(String template) {
        return new BadInputException(where(template, null), "template includes a file outside the templates "
                + "directory (through a symlink); templates may only use files inside it");
    }

    private static String sourceName(TemplateException e, String fallback) {
        return e.getTemplateSourceName() != null ? e.getTemplateSourceName() : fallback;
    }

    private String where(String template, Integer line) {
        String base = source.isBuiltIn() ? "template " + template + " (" + source.describe() + ")"
                : source.directory().resolve(template).toString();
        return line == null ? base : base + ":" + line;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
