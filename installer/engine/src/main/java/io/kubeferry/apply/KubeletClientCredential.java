package io.kubeferry.apply;

import io.kubeferry.host.HostFile;
import io.kubeferry.host.RemoteHost;
import io.kubeferry.host.Shell;
import io.kubeferry.pki.PkiService;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Puts the kubelet's client credential (kubelet.conf's {@code /var/lib/kubelet/pki/kubelet-client-current.pem},
 * {@link PkiService#isWriteOnce}) on a host the way the kubelet's own certificate store (client-go's file store)
 * lays it out: the certificate and key in {@code kubelet-client-YYYY-MM-DD-HH-MM-SS.pem} and
 * {@code kubelet-client-current.pem} a symlink to it. The store refuses to rotate over a regular file there
 * ("expected ... to be a symlink but it is a file"), so a plain file would keep the kubelet on its first certificate
 * until it expired.
 */
public final class KubeletClientCredential {
    /** The store's timestamp (Go's "2006-01-02-15-04-05"); the installer's clock in UTC, as test and most hosts run. */
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);

    private KubeletClientCredential() {
    }

    /** Whether {@code hostPath} is that credential, which {@link #write} must put in place. */
    public static boolean handles(String hostPath) {
        return PkiService.isWriteOnce(hostPath);
    }

    /**
     * Writes {@code f}'s content to a dated file next to {@code f.path()} and repoints {@code f.path()} at it (a
     * symlink renamed over it: atomic, as the store's own update). Returns the dated file's path.
     */
    public static String write(RemoteHost remote, HostFile f, Instant now) {
        String dated = dated(f.path(), now);
        remote.put(f.content(), dated, f.mode());
        remote.execChecked(repoint(f.path(), dated));
        return dated;
    }

    /**
     * A {@code current} that is a regular file (written by an earlier Kubeferry) becomes the dated file and the
     * symlink to it, so the kubelet can rotate from it; true when it did that, false when there was nothing to do.
     */
    public static boolean linkIfRegularFile(RemoteHost remote, String current, Instant now) {
        String dated = dated(current, now);
        String q = Shell.quote(current);
        return remote.execChecked("if [ -f " + q + " ] && [ ! -L " + q + " ]; then mv -f " + q + " " + Shell.quote(dated)
                + " && " + repoint(current, dated) + " && echo linked; fi").stdout().contains("linked");
    }

    private static String dated(String current, Instant now) {
        return current.substring(0, current.lastIndexOf('/') + 1) + "kubelet-client-" + STAMP.format(now) + ".pem";
    }

    private static String repoint(String current, String dated) {
        String updated = current.substring(0, current.lastIndexOf('/') + 1) + "kubelet-client-updated.pem";
        return "ln -sfn " + Shell.quote(dated) + " " + Shell.quote(updated) + " && mv -fT " + Shell.quote(updated) + " " + Shell.quote(current);
    }
}
