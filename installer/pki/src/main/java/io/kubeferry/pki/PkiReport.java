package io.kubeferry.pki;

import io.kubeferry.errors.Problem;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What a generate or renew run did to each file of the cluster's PKI. */
public record PkiReport(List<Entry> entries, List<Problem> warnings) {
    public enum Action {
        /** Did not exist; made now. */
        CREATED,
        /** Existed and is still right; untouched. */
        KEPT,
        /** Existed but had to change (reason says why); new key and certificate. */
        REGENERATED,
        /** Re-signed on request ({@code certs renew}). */
        RENEWED,
        /** Supplied by the user (external CA); checked, never written. */
        EXTERNAL
    }

    /**
     * @param name   kubeadm's name ({@code ca}, {@code apiserver}, {@code admin.conf}, {@code sa})
     * @param host   the host it belongs to, or null for cluster-wide files
     * @param file   the main file in the state directory (certificate or kubeconfig)
     * @param reason why it was regenerated, or null
     */
    public record Entry(String name, String host, Path file, Action action, String reason) {
        public boolean changed() {
            return action == Action.CREATED || action == Action.REGENERATED || action == Action.RENEWED;
        }
    }

    public PkiReport {
        entries = List.copyOf(entries);
        warnings = List.copyOf(warnings);
    }

    public List<Entry> with(Action action) {
        return entries.stream().filter(e -> e.action() == action).toList();
    }

    /** Every state-directory file written by this run (certificates, keys, kubeconfigs). */
    public Set<Path> changedFiles() {
        Set<Path> out = new LinkedHashSet<>();
        for (Entry e : entries) {
            if (e.changed()) {
                out.add(e.file());
                String f = e.file().getFileName().toString();
                if (f.endsWith(".crt")) {
                    out.add(e.file().resolveSibling(f.substring(0, f.length() - 4) + ".key"));
                } else if (f.equals("kubelet.conf")) {
                    // its credentials live in the file it refers to (PkiLayout.clientCertAndKey)
                    out.add(e.file().resolveSibling(java.nio.file.Path.of(PkiLayout.KUBELET_CLIENT_CURRENT).getFileName().toString()));
                } else if (f.equals("sa.key")) {
                    out.add(e.file().resolveSibling("sa.pub"));
                }
            }
        }
        return out;
    }

    public boolean changedAnything() {
        return entries.stream().anyMatch(Entry::changed);
    }
}
