package io.kubeferry.builder.check;

import io.kubeferry.builder.spec.BundleLayout;
import io.kubeferry.builder.fetch.ChecksumFile;
import io.kubeferry.builder.fetch.Downloader;
import io.kubeferry.builder.fetch.NetworkErrors;
import io.kubeferry.builder.pack.BundleBuilder;
import io.kubeferry.builder.registry.ImageReference;
import io.kubeferry.builder.registry.Platform;
import io.kubeferry.builder.registry.RegistryClient;
import io.kubeferry.builder.registry.RegistryException;
import io.kubeferry.builder.registry.ResolvedImage;
import io.kubeferry.builder.spec.BundleSpec;
import io.kubeferry.builder.spec.SpecReader;
import io.kubeferry.builder.spec.Templates;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Checks a spec on a connected machine without downloading what it names: every binary URL answers (HEAD, or a
 * one-byte GET where HEAD is refused) and its checksum file lists it, and every image tag resolves to a manifest for
 * every platform of the spec (manifests and image configs only, no layers). One row per file and per image platform.
 */
public final class SpecChecker {
    /** One checked thing. */
    public record Row(boolean ok, boolean notFound, String kind, String name, String arch, String source, String detail) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final HttpClient http;
    private final Downloader downloader;
    private final RegistryClient registry;

    public SpecChecker(HttpClient http, Downloader downloader, RegistryClient registry) {
        this.http = http;
        this.downloader = downloader;
        this.registry = registry;
    }

    public List<Row> check(BundleSpec spec, int parallelism) throws InterruptedException {
        List<Callable<List<Row>>> tasks = new ArrayList<>();
        for (String arch : spec.architectures()) {
            for (BundleSpec.BinarySpec b : spec.binaries()) {
                tasks.add(() -> List.of(binary(spec, b, arch)));
            }
        }
        for (BundleSpec.ExtraFile f : spec.files()) {
            if (f.url() != null) {
                tasks.add(() -> List.of(url("file", f.path(), "-", spec.mirrored(f.url()), null, null)));
            }
        }
        for (BundleSpec.ImageSpec i : spec.images()) {
            tasks.add(() -> image(spec, i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, Math.max(1, tasks.size()))));
        try {
            List<Future<List<Row>>> futures = new ArrayList<>();
            for (Callable<List<Row>> t : tasks) {
                futures.add(pool.submit(t));
            }
            List<Row> rows = new ArrayList<>();
            for (Future<List<Row>> f : futures) {
                try {
                    rows.addAll(f.get());
                } catch (ExecutionException e) {
                    rows.add(new Row(false, false, "?", "?", "-", "-", "internal error: " + e.getCause()));
                }
            }
            return rows;
        } finally {
            pool.shutdownNow();
        }
    }

    private Row binary(BundleSpec spec, BundleSpec.BinarySpec b, String arch) {
        Map<String, String> vars = SpecReader.variables(spec.kubernetesVersion(), spec.versions(), b, arch);
        String url = Templates.expand(b.url(), vars);
        vars.put("url", url);
        String checksumUrl = b.sha256().containsKey(arch) || b.sha256Url() == null ? null
                : spec.mirrored(Templates.expand(b.sha256Url(), vars));
        return url("binary", b.name(), arch, spec.mirrored(url), checksumUrl, BundleLayout.lastSegment(url));
    }

    private Row url(String kind, String name, String arch, String source, String checksumUrl, String fileName) {
        URI uri = URI.create(source);
        try {
            int status = head(uri);
            if (status == 404 || status == 410) {
                return new Row(false, true, kind, name, arch, source, "HTTP " + status + " (not found: check the version, "
                        + "the URL template or the mirror)");
            }
            if (status / 100 != 2) {
                return new Row(false, false, kind, name, arch, source, "HTTP " + status);
            }
        } catch (IOException e) {
            return new Row(false, false, kind, name, arch, source, NetworkErrors.describe(e, NetworkErrors.authority(uri), TIMEOUT));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Row(false, false, kind, name, arch, source, "interrupted");
        }
        if (checksumUrl == null) {
            return new Row(true, false, kind, name, arch, source, "ok");
        }
        try {
            String text = downloader.fetchText(URI.create(checksumUrl), name + " " + arch + " checksum");
            return ChecksumFile.digestFor(text, fileName)
                    .map(hex -> new Row(true, false, kind, name, arch, source, "ok, sha256 " + hex.substring(0, 12) + "… in "
                            + BundleLayout.lastSegment(checksumUrl)))
                    .orElse(new Row(false, true, kind, name, arch, source, "checksum file " + checksumUrl + " has no sha256 for "
                            + fileName));
        } catch (RuntimeException e) {
            return new Row(false, e.getMessage() != null && e.getMessage().contains("HTTP 404"), kind, name, arch, source,
                    "checksum file: " + e.getMessage());
        }
    }

    /** The status of a HEAD (following redirects), or of a one-byte GET where HEAD is not allowed. */
    private int head(URI uri) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("User-Agent", "kubeferry-bundle-builder");
        int status;
        try {
            status = http.send(b.copy().method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            status = -1; // some servers reset HEAD: try a GET before calling the source broken
        }
        if (status == 405 || status == 501 || status == -1) {
            HttpResponse<InputStream> r = http.send(b.copy().GET().header("Range", "bytes=0-0").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            r.body().close();
            status = r.statusCode() == 206 ? 200 : r.statusCode();
        }
        return status;
    }

    private List<Row> image(BundleSpec spec, BundleSpec.ImageSpec i) {
        ImageReference name;
        try {
            name = ImageReference.parse(i.reference());
        } catch (IllegalArgumentException e) {
            return List.of(new Row(false, true, "image", i.reference(), "-", "-", e.getMessage()));
        }
        ImageReference source = ImageReference.parse(spec.mirrored(name.name()) + (name.tag() != null ? ":" + name.tag() : "")
                + (name.digest() != null ? "@" + name.digest() : ""));
        List<Platform> platforms = spec.architectures().stream().map(Platform::linux).toList();
        try {
            ResolvedImage r = registry.resolve(name, source, platforms);
            List<Row> rows = new ArrayList<>();
            for (ResolvedImage.PlatformManifest m : r.manifests()) {
                rows.add(new Row(true, false, "image", i.reference(), m.platform().toString(), source.toString(),
                        "ok, " + r.top().digest() + (r.manifests().size() > 1 || !m.manifest().digest().equals(r.top().digest())
                                ? " (" + m.platform() + ": " + m.manifest().digest().substring(0, 19) + "…)" : "")));
            }
            return rows;
        } catch (RegistryException e) {
            return List.of(new Row(false, e.notFound(), "image", i.reference(), String.join(",", spec.architectures()),
                    source.toString(), e.getMessage()));
        }
    }

    /** The rows as an aligned table. */
    public static String table(List<Row> rows) {
        String[] head = {"RESULT", "KIND", "NAME", "ARCH", "SOURCE", "DETAIL"};
        List<String[]> lines = new ArrayList<>();
        lines.add(head);
        for (Row r : rows) {
            lines.add(new String[] {r.ok() ? "ok" : r.notFound() ? "MISSING" : "FAILED", r.kind(), r.name(), r.arch(),
                    r.source(), r.detail()});
        }
        int[] width = new int[head.length - 1];
        for (String[] l : lines) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], l[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] l : lines) {
            for (int c = 0; c < width.length; c++) {
                sb.append(l[c]).append(" ".repeat(width[c] - l[c].length() + 2));
            }
            sb.append(l[width.length]).append('\n');
        }
        return sb.toString();
    }
}
