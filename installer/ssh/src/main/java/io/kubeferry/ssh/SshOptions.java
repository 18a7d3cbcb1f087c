package io.kubeferry.ssh;

import java.time.Duration;

/**
 * Engine knobs that are not part of the inventory.
 *
 * @param maxChannels       channels used at once over one connection; OpenSSH refuses more than its
 *                          {@code MaxSessions} (default 10), so stay below it
 * @param uploadAttempts    tries per upload; a dropped connection is reconnected and the upload resumed
 * @param keepAliveInterval how often a silent connection is probed, so a dead one is noticed
 * @param listener          progress of uploads started through {@link io.kubeferry.host.RemoteHost#upload}
 */
public record SshOptions(int maxChannels, int uploadAttempts, Duration keepAliveInterval, TransferListener listener) {
    public SshOptions {
        if (maxChannels < 1) {
            throw new IllegalArgumentException("maxChannels must be at least 1");
        }
        if (uploadAttempts < 1) {
            throw new IllegalArgumentException("uploadAttempts must be at least 1");
        }
        if (listener == null) {
            listener = TransferListener.NONE;
        }
    }

    public static SshOptions defaults() {
        return new SshOptions(8, 3, Duration.ofSeconds(15), TransferListener.NONE);
    }

    public SshOptions withUploadAttempts(int attempts) {
        return new SshOptions(maxChannels, attempts, keepAliveInterval, listener);
    }

    public SshOptions withListener(TransferListener l) {
        return new SshOptions(maxChannels, uploadAttempts, keepAliveInterval, l);
    }

    public SshOptions withMaxChannels(int n) {
        return new SshOptions(n, uploadAttempts, keepAliveInterval, listener);
    }
}
