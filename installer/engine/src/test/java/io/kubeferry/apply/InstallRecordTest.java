package io.kubeferry.apply;

import io.kubeferry.host.HostFile;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.render.RenderService;
import io.kubeferry.render.RenderedCluster;
import io.kubeferry.render.TemplateSource;
import io.kubeferry.reset.HostRecord;
import io.kubeferry.reset.ResetPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What apply records for {@code installer reset}, really run by sh on a directory host, and the reset's file
 * steps worked out from that record and run there: the directory is left as it was before the apply.
 */
class InstallRecordTest {
    @TempDir
    Path tmp;

    @Test
    void applyRecordsOnceAndResetStepsLeaveTheTreeAsFound() throws IOException {
        Inventory inv = io.kubeferry.render.FixturesAccess.localProxy();
        RenderedCluster rc = new RenderService(TemplateSource.builtIn()).renderAll(inv);
        Host w1 = inv.host("w1").orElseThrow();
        Path root = Files.createDirectories(tmp.resolve("w1"));
        Files.createDirectories(root.resolve("var/lib")); // as every host has it (the records live below)
        DirectoryHost host = new DirectoryHost(root);
        RenderedCluster.Rendered kubelet = rc.component("kubelet");
        List<HostFile> files = kubelet.output().filesFor("w1");
        // one of its files was there before, with other content: backed up and put back, not removed
        String unit = files.stream().map(HostFile::path).filter(p -> p.endsWith(".service")).findFirst().orElseThrow();
        Files.createDirectories(host.path(unit).getParent());
        Files.writeString(host.path(unit), "the user's own unit\n");
        List<String> before = tree(root);

        new ComponentApplier().apply(host, kubelet.component(), w1, files);
        Path record = host.path(HostRecord.writtenRecord("kubelet"));
        String recorded = Files.readString(record);
        List<HostRecord.Entry> entries = HostRecord.parseEntries(recorded);
        assertTrue(entries.contains(new HostRecord.Entry('o', host.path(unit).toString())), recorded);
        assertTrue(entries.contains(new HostRecord.Entry('d', host.path("/var/lib/kubelet").toString())), recorded);
        assertTrue(entries.stream().anyMatch(e -> e.kind() == 'f' && e.path().endsWith("/var/lib/kubelet/config.yaml")), recorded);
        assertFalse(entries.stream().anyMatch(e -> e.kind() == 'd' && e.path().equals(host.path("/etc/systemd/system").toString())),
                "a directory that was there is not the install's: " + recorded);
        assertEquals("the user's own unit\n", Files.readString(host.path(HostRecord.BACKUPS + host.path(unit))));

        // a second apply records nothing new and does not touch the record (idempotent, mtime included)
        var mtime = Files.getLastModifiedTime(record);
        new ComponentApplier().apply(host, kubelet.component(), w1, files);
        assertEquals(recorded, Files.readString(record));
        assertEquals(mtime, Files.getLastModifiedTime(record));

        for (ResetPlan.Step s : ResetPlan.files(Map.of("kubelet", entries))) {
            assertEquals(0, host.exec(s.command()).exitCode(), s.toString());
        }
        assertEquals(0, host.exec("rm -rf -- " + HostRecord.DIR).exitCode()); // the restore phase's last step
        assertEquals(before, tree(root));
        assertEquals("the user's own unit\n", Files.readString(host.path(unit)));
    }

    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p) + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
        }
    }
}
