package io.kubeferry.console;

import io.kubeferry.host.UploadResult;
import io.kubeferry.ssh.TransferListener;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Progress of uploads on the console: on a terminal a bar per host and file, redrawn in place; in a log or pipe
 * one line per host and file at every 10%; then a final line with what crossed the wire. Only files of 1 MiB or
 * more are shown.
 */
public final class TransferProgress implements TransferListener {
    private static final long MIN_SIZE = 1024 * 1024;
    private final Console console;
    private final Map<String, Integer> lastDecile = new ConcurrentHashMap<>();
    private final Map<String, Long> startNanos = new ConcurrentHashMap<>();

    public TransferProgress(Console console) {
        this.console = console;
    }

    @Override
    public void started(String host, String remotePath, long size, long offset) {
        if (size < MIN_SIZE) {
            return;
        }
        startNanos.put(host + remotePath, System.nanoTime());
        lastDecile.put(host + remotePath, (int) (offset * 10 / Math.max(1, size)));
        console.detail(String.format(Locale.ROOT, "    %-20s upload %s %s%s", host, remotePath, mib(size),
                offset > 0 ? " (resuming at " + mib(offset) + ")" : ""));
    }

    @Override
    public void progress(String host, String remotePath, long done, long size) {
        if (size < MIN_SIZE) {
            return;
        }
        String key = host + remotePath;
        int decile = (int) (done * 10 / Math.max(1, size));
        Integer prev = lastDecile.put(key, decile);
        boolean milestone = prev != null && decile > prev && decile < 10;
        int percent = (int) (done * 100 / Math.max(1, size));
        int cells = percent / 5;
        Long start = startNanos.get(key);
        double secs = start == null ? 0 : (System.nanoTime() - start) / 1e9;
        // the file's name before the bar: a terminal line is cut at its end
        console.status(key, String.format(Locale.ROOT, "    %-20s %-24s [%-20s] %3d%% %s of %s%s", host,
                remotePath.substring(remotePath.lastIndexOf('/') + 1), "#".repeat(cells), percent, mib(done), mib(size),
                secs > 0.5 ? String.format(Locale.ROOT, " %.1f MiB/s", done / 1048576.0 / secs) : ""), milestone);
    }

    @Override
    public void finished(String host, UploadResult result) {
        String key = host + result.remotePath();
        lastDecile.remove(key);
        Long start = startNanos.remove(key);
        console.statusDone(key);
        if (result.size() < MIN_SIZE) {
            return;
        }
        if (result.skipped()) {
            console.info(String.format(Locale.ROOT, "    %-20s unchanged %s (%s, not sent)", host, result.remotePath(),
                    mib(result.size())));
            return;
        }
        double secs = start == null ? 0 : (System.nanoTime() - start) / 1e9;
        console.info(String.format(Locale.ROOT, "    %-20s sent %s %s in %.1fs%s", host, result.remotePath(),
                mib(result.bytesSent()), secs, secs > 0 ? String.format(Locale.ROOT, " (%.1f MiB/s)",
                        result.bytesSent() / 1048576.0 / secs) : ""));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
