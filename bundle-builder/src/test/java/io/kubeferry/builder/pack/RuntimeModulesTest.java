package io.kubeferry.builder.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.support.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The runtime's module list is fixed in {@link JavaRuntimeLinker#MODULES} so builds never run jdeps (it was the
 * build's memory peak); this runs jdeps over the real installer jar, as the list was made, and fails when the
 * installer starts needing a module the list lacks.
 */
class RuntimeModulesTest {
    @Test
    void fixedModuleListCoversWhatJdepsFindsInTheInstallerJar() throws Exception {
        Path jar = Path.of(System.getProperty("kubeferry.repo.root", "..")).toAbsolutePath().normalize()
                .resolve("installer/cli/target/installer.jar");
        assertTrue(Files.isRegularFile(jar), jar + " (built by the reactor before this module's tests)");
        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        String out = Processes.run(List.of(jdeps.toString(), "-J-Xmx192m", "--multi-release", "17",
                "--ignore-missing-deps", "--print-module-deps", jar.toString()));
        String line = out.strip().lines().reduce((a, b) -> b).orElseThrow();
        TreeSet<String> needed = new TreeSet<>(List.of(line.split(",")));
        assertTrue(needed.contains("java.base"), out);
        TreeSet<String> missing = new TreeSet<>(needed);
        missing.removeAll(JavaRuntimeLinker.MODULES);
        assertEquals(new TreeSet<>(), missing, "jdeps finds modules the runtime lacks: add them to JavaRuntimeLinker.MODULES");
    }

    @Test
    void elfReaderSeesNoGlibcInNonElfFilesAndTheRightOneInAJdk() throws Exception {
        Path text = Files.createTempFile("kf-not-elf", ".txt");
        try {
            Files.writeString(text, "not an ELF file, long enough to have a header's worth of bytes in it.........");
            assertTrue(ElfGlibc.requiredByFile(text).isEmpty());
        } finally {
            Files.delete(text);
        }
        Path libjvm = Path.of(System.getProperty("java.home"), "lib/server/libjvm.so");
        String dump = Processes.run(List.of("objdump", "-T", libjvm.toString()));
        ElfGlibc.Version max = new ElfGlibc.Version(0, 0);
        for (var m = java.util.regex.Pattern.compile("GLIBC_(\\d+\\.\\d+)").matcher(dump); m.find(); ) {
            ElfGlibc.Version v = ElfGlibc.Version.parse(m.group(1));
            max = v.compareTo(max) > 0 ? v : max;
        }
        assertEquals(max, ElfGlibc.requiredByFile(libjvm).orElseThrow());
    }
}
