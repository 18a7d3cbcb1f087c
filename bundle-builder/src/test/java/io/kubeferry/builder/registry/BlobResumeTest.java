package io.kubeferry.builder.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.ProgressListener;
import io.kubeferry.builder.support.LocalRegistry;
import io.kubeferry.builder.support.OciImages;
import io.kubeferry.bundle.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An interrupted blob download (a partial from an earlier run) resumes with a Range request against docker-registry. */
class BlobResumeTest {
    @TempDir
    Path dir;

    @Test
    void partialBlobResumesWithRange() throws Exception {
        try (LocalRegistry reg = LocalRegistry.start(dir.resolve("reg"), null, null)) {
            OciImages.Layer big = OciImages.dataLayer("big", 2_000_000, 11);
            OciImages.write(dir.resolve("oci"), "1", List.of(new OciImages.Image("amd64", List.of(big), List.of("/x"))));
            reg.push(dir.resolve("oci"), "1", "resume/app", null);

            ContentCache cache = new ContentCache(dir.resolve("cache"));
            Downloader d = new Downloader(Downloader.defaultClient(), cache, ProgressListener.NONE, 2, Duration.ofMillis(10));
            RegistryClient client = new RegistryClient(RegistryClient.defaultClient(), d, new RegistryCredentials(), h -> false);
            ImageReference ref = ImageReference.parse(reg.host() + "/resume/app:1");
            Descriptor layer = client.resolve(ref, ref, List.of(Platform.linux("amd64"))).manifests().get(0).layers().get(0);
            assertEquals(big.digest(), layer.digest());
            Files.write(cache.partial(layer.hex()), Arrays.copyOf(big.gzipped(), big.gzipped().length / 3));

            Path blob = client.fetchBlob(ref, layer);
            assertEquals(layer.hex(), Sha256.ofFile(blob));
            String log = reg.log();
            assertTrue(log.lines().anyMatch(l -> l.contains("/blobs/" + layer.digest()) && l.contains("\" 206 ")), log);
        }
    }
}
