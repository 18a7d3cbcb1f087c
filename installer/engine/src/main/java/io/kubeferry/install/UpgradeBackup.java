package io.kubeferry.install;

import io.kubeferry.host.Shell;

import java.util.List;

/**
 * What a host had before the upgrade changed it, kept on the host for {@code installer upgrade --rollback} (kubeadm
 * keeps its manifests in /etc/kubernetes/tmp the same way): every file the host's turn rewrites (static-pod
 * manifests, kubelet config and unit, the binaries it replaces and their install records), copied with their paths
 * under {@value #DIR}/files, and the paths that did not exist yet listed in {@code absent}. Saved once per target
 * version, before the first change (a resumed upgrade keeps the first backup); a rollback restores only the backups of
 * the upgrade it rolls back and moves each to {@value #DIR}.rolled-back once that host is back, so the next upgrade
 * saves anew.
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
     * Puts every saved file back (files and links only: the directories they sit in keep their own modes and owners)
     * and removes what did not exist before, when the host holds a backup for the upgrade to {@code to}; prints
     * "restored", or "none" (no backup, or one of another upgrade). The backup stays until {@link #finishCommand}, so a
     * rollback cut short restores it again.
     */
    public static String restoreCommand(String to) {
        String b = DIR;
        return "if [ \"$(cat " + b + "/to 2>/dev/null)\" != " + Shell.quote(to) + " ]; then echo none; else"
                + " ( cd " + b + "/files && find . ! -type d -print | while IFS= read -r f; do mkdir -p \"/${f%/*}\""
                + " && cp -a \"$f\" \"/$f\" || exit 1; done ) && while IFS= read -r p; do"
                + " if [ -n \"$p\" ]; then rm -rf -- \"$p\"; fi; done < " + b + "/absent && echo restored; fi";
    }

    /** The rollback of this host is done: its backup moved aside, so the next upgrade saves anew. */
    public static String finishCommand() {
        String b = DIR;
        return "if [ -d " + b + " ]; then rm -rf " + b + ".rolled-back && mv " + b + " " + b + ".rolled-back; fi";
    }

    /**
     * The etcd minor versions ({@code 3.5}) of the backup and of what runs now, from the static pod's image tag or the
     * host service's binary, on one line ("3.5 3.6"); an empty first word when the backup has no etcd.
     */
    public static String etcdMinorsCommand() {
        String b = DIR;
        // the backup holds each file under its own absolute path
        return "m=/etc/kubernetes/manifests/etcd.yaml; e=/usr/local/bin/etcd;"
                + " old=$( { grep -Eo 'etcd:v?[0-9]+[.][0-9]+' \"" + b + "/files$m\" 2>/dev/null"
                + " || \"" + b + "/files$e\" --version 2>/dev/null; } | grep -Eo '[0-9]+[.][0-9]+' | head -n 1);"
                + " new=$( { grep -Eo 'etcd:v?[0-9]+[.][0-9]+' \"$m\" 2>/dev/null"
                + " || \"$e\" --version 2>/dev/null; } | grep -Eo '[0-9]+[.][0-9]+' | head -n 1); echo \"$old $new\"";
    }
}
