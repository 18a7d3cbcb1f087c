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

    @Test
    void blobThatStallsMidwayIsCutAndResumedWithRange() throws Exception {
        // the local file server answers the blob path like a registry that goes silent half-way through a layer
        byte[] layer = new byte[1_500_000];
        new java.util.Random(12).nextBytes(layer);
        String digest = "sha256:" + Sha256.ofBytes(layer);
        try (io.kubeferry.builder.support.FileServer server = new io.kubeferry.builder.support.FileServer()) {
            server.put("/v2/stall/app/blobs/" + digest, layer);
            server.stallOnce("/v2/stall/app/blobs/" + digest);
            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                    ProgressListener.NONE, 3, Duration.ofMillis(10), Duration.ofSeconds(1));
            RegistryClient client = new RegistryClient(RegistryClient.defaultClient(), d, new RegistryCredentials(), h -> false);
            ImageReference ref = ImageReference.parse(server.base().substring("http://".length()) + "/stall/app:1");
            Descriptor blob = new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, layer.length, null);
            Path got = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> client.fetchBlob(ref, blob));
            assertEquals(Sha256.ofBytes(layer), Sha256.ofFile(got));
            List<String> requests = server.requests();
            assertEquals(2, requests.size(), requests.toString());
            assertTrue(requests.get(1).matches("GET /v2/stall/app/blobs/" + digest + " bytes=[1-9]\\d*-"), requests.toString());
        }
    }
}
