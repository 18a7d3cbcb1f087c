package io.kubeferry.render;

import freemarker.cache.ClassTemplateLoader;
import freemarker.cache.FileTemplateLoader;
import freemarker.cache.TemplateLoader;
import io.kubeferry.errors.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where templates are read from: a bundle's {@code templates/} directory (an operator may have edited it) or
 * the copy built into the jar.
 *
 * @param directory the directory, or null for the built-in copy
 */
public record TemplateSource(Path directory) {
    /** Classpath folder of the jar's copy of the top-level {@code templates/}. */
    static final String BUILT_IN_PATH = "/io/kubeferry/render/templates";

    public static TemplateSource builtIn() {
        return new TemplateSource(null);
    }

    public static TemplateSource directory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir.toString(), "templates directory not found; give a bundle's templates/ "
                    + "directory, or leave it out to use the templates built into the installer");
        }
        return new TemplateSource(dir);
    }

    public boolean isBuiltIn() {
        return directory == null;
    }

    /** Shown in error messages so the operator knows which copy of a template is wrong. */
    public String describe() {
        return isBuiltIn() ? "built-in templates" : directory.toString();
    }

    TemplateLoader loader() {
        if (isBuiltIn()) {
            return new ClassTemplateLoader(TemplateSource.class, BUILT_IN_PATH);
        }
        try {
            // FileTemplateLoader refuses names that resolve outside the directory (symlinks, "..")
            return new FileTemplateLoader(directory.toFile());
        } catch (IOException e) {
            throw new BadInputException(directory.toString(), "cannot read templates directory: " + e.getMessage());
        }
    }
}
