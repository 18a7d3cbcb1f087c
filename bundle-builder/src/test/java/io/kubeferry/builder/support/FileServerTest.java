package io.kubeferry.builder.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files served from disk ({@link FileServer#putFile}) answer whole and ranged GETs as the in-memory ones do. */
class FileServerTest {
    @Test
    void servesAFileFromDiskWholeAndFromAnOffset(@TempDir Path dir) throws Exception {
        byte[] content = new byte[300_000];
        new Random(7).nextBytes(content);
        Path file = dir.resolve("release.tar.gz");
        Files.write(file, content);
        try (FileServer server = new FileServer()) {
            server.putFile("/dl/release.tar.gz", file);
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create(server.base() + "/dl/release.tar.gz");

            HttpResponse<byte[]> whole = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, whole.statusCode());
            assertArrayEquals(content, whole.body());

            HttpResponse<byte[]> tail = http.send(HttpRequest.newBuilder(uri).header("Range", "bytes=123456-").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(206, tail.statusCode());
            assertEquals("bytes 123456-299999/300000", tail.headers().firstValue("Content-Range").orElseThrow());
            assertArrayEquals(Arrays.copyOfRange(content, 123456, content.length), tail.body());

            HttpResponse<byte[]> beyond = http.send(HttpRequest.newBuilder(uri).header("Range", "bytes=300000-").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(416, beyond.statusCode());
            assertEquals(java.util.List.of("GET /dl/release.tar.gz", "GET /dl/release.tar.gz bytes=123456-",
                    "GET /dl/release.tar.gz bytes=300000-"), server.requests());
        }
    }
}
