package io.kubeferry.install;

import io.kubeferry.host.Shell;

import java.util.List;

/**
 * What a host had before the upgrade changed it, kept on the host for {@code installer upgrade --rollback} (kubeadm
 * keeps its manifests in /etc/kubernetes/tmp the same way): every file the host's turn rewrites (static-pod
 * manifests, kubelet config and unit, the binaries it replaces and their install records), copied with their paths
 * under {@value #DIR}/files, and the paths that did not exist yet listed in {@code absent}. Saved once per target
 * version, before the first change (a resumed upgrade keeps the first backup); moved to {@value #DIR}.rolled-back by
 * a rollback, so the next upgrade saves anew.
 */
public final class UpgradeBackup {
    public static final String DIR = "/var/lib/kubeferry/upgrade-backup";

    private UpgradeBackup() {
    }

    /** Saves the paths unless a backup for this target is there already; prints "saved" or "kept". */
    public static String saveCommand(List<String> paths, String from, String to) {
        String b = DIR;
        StringBuilder copy = new StringBuilder();
        for (String p : paths) {
            String q = Shell.quote(p);
            copy.append(" && { if [ -e ").append(q).append(" ] || [ -L ").append(q).append(" ]; then p=").append(q)
                    .append("; mkdir -p \"").append(b).append(".new/files$(dirname \"$p\")\" && cp -a \"$p\" \"").append(b)
                    .append(".new/files$p\"; else echo ").append(q).append(" >> ").append(b).append(".new/absent; fi; }");
        }
        return "if [ \"$(cat " + b + "/to 2>/dev/null)\" = " + Shell.quote(to) + " ]; then echo kept; else"
                + " rm -rf " + b + ".new && mkdir -p " + b + ".new/files && : > " + b + ".new/absent" + copy
                + " && echo " + Shell.quote(from) + " > " + b + ".new/from && echo " + Shell.quote(to) + " > " + b + ".new/to"
                + " && rm -rf " + b + " " + b + ".rolled-back && mv " + b + ".new " + b + " && echo saved; fi";
    }

    /** The version the backup on the host was taken from; prints nothing when there is none. */
    public static String fromCommand() {
        return "cat " + DIR + "/from 2>/dev/null || true";
    }

    /**
     * Puts every saved file back, removes what did not exist before, and moves the backup aside; prints "restored",
     * or "none" when the host has no backup.
     */
    public static String restoreCommand() {
        String b = DIR;
        return "if [ ! -f " + b + "/to ]; then echo none; else cp -a " + b + "/files/. / && while IFS= read -r p; do"
                + " if [ -n \"$p\" ]; then rm -rf -- \"$p\"; fi; done < " + b + "/absent && rm -rf " + b + ".rolled-back && mv " + b
                + " " + b + ".rolled-back && echo restored; fi";
    }
}
