package io.kubeferry.builder.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubeferry.builder.fetch.ContentCache;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.ProgressListener;
import io.kubeferry.builder.support.LocalRegistry;
import io.kubeferry.builder.support.OciImages;
import io.kubeferry.builder.support.TokenServer;
import io.kubeferry.bundle.Sha256;
import io.kubeferry.inventory.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry in token mode: the client answers the Bearer challenge by asking the token service, with basic credentials. */
class BearerTokenTest {
    @TempDir
    Path dir;

    @Test
    void pullsThroughABearerTokenChallenge() throws Exception {
        try (TokenServer tokens = new TokenServer(dir.resolve("token"), "kfuser", "tok-pass");
             LocalRegistry reg = LocalRegistry.startWithTokenAuth(dir.resolve("reg"), tokens.realm(),
                     tokens.certificate(dir.resolve("token")), "kfuser", "tok-pass")) {
            OciImages.write(dir.resolve("oci"), "1", List.of(new OciImages.Image("amd64",
                    List.of(OciImages.textLayer("t.txt", "token test\n")), List.of("/t.txt"))));
            reg.push(dir.resolve("oci"), "1", "tok/app", null);

            Downloader d = new Downloader(Downloader.defaultClient(), new ContentCache(dir.resolve("cache")),
                    ProgressListener.NONE, 2, Duration.ofMillis(10));
            RegistryCredentials creds = new RegistryCredentials();
            creds.put(reg.host(), new RegistryCredentials.Login("kfuser", Secret.of("tok-pass", "test")));
            RegistryClient client = new RegistryClient(RegistryClient.defaultClient(), d, creds, h -> false);
            ImageReference ref = ImageReference.parse(reg.host() + "/tok/app:1");
            ResolvedImage img = client.resolve(ref, ref, List.of(Platform.linux("amd64")));
            assertEquals(reg.digest("tok/app", "1"), img.top().digest());
            Path layer = client.fetchBlob(ref, img.manifests().get(0).layers().get(0));
            assertEquals(img.manifests().get(0).layers().get(0).hex(), Sha256.ofFile(layer));
            assertTrue(tokens.requests().contains("basic [repository:tok/app:pull]"), tokens.requests().toString());

            // without credentials the token service refuses, and the message says what to do
            RegistryClient anonymous = new RegistryClient(RegistryClient.defaultClient(), new Downloader(
                    Downloader.defaultClient(), new ContentCache(dir.resolve("cache2")), ProgressListener.NONE, 1,
                    Duration.ofMillis(10)), new RegistryCredentials(), h -> false);
            RegistryException e = assertThrows(RegistryException.class,
                    () -> anonymous.resolve(ref, ref, List.of(Platform.linux("amd64"))));
            assertTrue(e.getMessage().contains("token service") && e.getMessage().contains("registries:"), e.getMessage());
            assertTrue(Files.exists(dir.resolve("cache/sha256")));
        }
    }
}
