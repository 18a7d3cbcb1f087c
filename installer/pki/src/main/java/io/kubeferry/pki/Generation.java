package io.kubeferry.pki;

import io.kubeferry.errors.BadInputException;
import io.kubeferry.errors.Problem;
import io.kubeferry.files.StateLock;
import io.kubeferry.inventory.CertificateOptions;
import io.kubeferry.inventory.Host;
import io.kubeferry.inventory.Inventory;
import io.kubeferry.inventory.KeyAlgorithm;
import io.kubeferry.pki.LeafPolicy.Decision;
import org.bouncycastle.cert.X509CertificateHolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One {@code generate} or {@code renew} run under the state directory's lock: load the CAs, decide about every
 * leaf ({@link LeafPolicy}), stop on bad input before any write, then sign (in parallel) and write, CAs first.
 */
final class Generation {
    private static final Pattern SAFE_HOST_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

    private record Write(Path file, byte[] content, int mode) {
    }

    private Generation() {
    }

    /**
     * @param renewOnly null for {@code generate}; the names to re-sign for {@code renew}
     * @param renewAll  {@code renew all}: leaves of an external CA are warned about, not errors
     */
    static PkiReport run(Inventory inventory, StateLock lock, Instant now, Set<String> renewOnly, boolean renewAll) {
        lock.requireFor(inventory.stateDir());
        CertificateOptions options = inventory.cluster().certificates();
        KeyAlgorithm algorithm = options.keyAlgorithm();
        PkiLayout layout = PkiLayout.of(inventory);
        PkiPlan plan = PkiPlan.of(inventory);
        List<Problem> errors = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>(plan.warnings());
        requireSafeHostNames(inventory);

        // what this run trusts must be as private as what it writes (a planted CA is refused, not adopted)
        lock.directory().checkExisting(lock.directory().path().relativize(layout.root()));
        Map<CaKind, CaStore.Ca> cas = CaStore.load(CaKind.usedBy(inventory), layout, now, errors, warnings);
        if (renewOnly != null) {
            for (CaStore.Ca ca : cas.values()) {
                if (ca.mode == CaStore.Mode.NEW) {
                    errors.add(Problem.error(layout.caCert(ca.kind).toString(),
                            "missing; run 'installer certs generate' to create the PKI before renewing"));
                }
            }
        }

        // sa.key: reused whenever readable (a new one would invalidate every service-account token)
        boolean newSaKey = false;
        byte[] saPubToWrite = null;
        if (renewOnly == null) {
            CaStore.warnIfReadableByOthers(layout.saKey(), warnings);
            if (!Files.exists(layout.saKey())) {
                newSaKey = true;
            } else {
                try {
                    KeyPair sa = Pem.readKeyPair(Files.readAllBytes(layout.saKey()));
                    byte[] pub = Pem.encodePublicKey(sa.getPublic());
                    byte[] current = Files.exists(layout.saPub()) ? Files.readAllBytes(layout.saPub()) : null;
                    if (current == null || !samePublicKey(current, pub)) {
                        saPubToWrite = pub;
                    }
                } catch (IOException | IllegalArgumentException e) {
                    errors.add(Problem.error(layout.saKey().toString(), "cannot read the service-account key: "
                            + e.getMessage() + "; fix or remove it (removing invalidates existing service-account tokens)"));
                }
            }
        }

        LeafPolicy policy = new LeafPolicy(layout, options, now);
        List<Decision> decisions = new ArrayList<>();
        for (CertSpec spec : plan.certs()) {
            if (renewOnly != null && !renewOnly.contains(spec.name())) {
                continue;
            }
            decisions.add(policy.decide(spec, null, cas.get(spec.signer()), renewOnly != null, renewAll, errors, warnings));
        }
        for (KubeconfigSpec spec : plan.kubeconfigs()) {
            if (renewOnly != null && !renewOnly.contains(spec.fileName())) {
                continue;
            }
            decisions.add(policy.decide(spec.clientCert(), spec, cas.get(CaKind.KUBERNETES), renewOnly != null, renewAll, errors, warnings));
        }
        if (!errors.isEmpty()) {
            List<Problem> all = new ArrayList<>(errors);
            all.addAll(warnings);
            throw new BadInputException(all);
        }

        // ---- nothing below can fail on bad input; compute everything, then write
        Instant notBefore = now.minus(PkiService.BACKDATE);
        List<Write> writes = new ArrayList<>();
        List<PkiReport.Entry> entries = new ArrayList<>();

        List<CaStore.Ca> newCas = cas.values().stream().filter(c -> c.mode == CaStore.Mode.NEW).toList();
        List<Write[]> caWrites = Parallel.map(newCas, ca -> {
            KeyPair keys = Keys.generate(algorithm, new SecureRandom());
            X509CertificateHolder cert = new CertIssuer(new SecureRandom()).selfSignedCa(ca.kind.commonName(), keys,
                    notBefore, now.plus(options.caValidity()));
            ca.facts = CertFacts.of(cert);
            ca.key = keys.getPrivate();
            // key before certificate: a run cut between the two leaves a key without certificate, which the next
            // run reports, rather than a certificate without key, which would read as an external CA
            return new Write[]{
                    new Write(layout.caKey(ca.kind), Pem.encodePrivateKey(keys), PkiLayout.KEY_MODE),
                    new Write(layout.caCert(ca.kind), Pem.encodeCertificate(cert), PkiLayout.CERT_MODE)};
        });
        caWrites.forEach(w -> writes.addAll(List.of(w)));
        for (CaStore.Ca ca : cas.values()) {
            PkiReport.Action action = switch (ca.mode) {
                case NEW -> PkiReport.Action.CREATED;
                case OWNED -> PkiReport.Action.KEPT;
                case EXTERNAL -> PkiReport.Action.EXTERNAL;
            };
            if (renewOnly == null) {
                entries.add(new PkiReport.Entry(ca.kind.certName(), null, layout.caCert(ca.kind), action, null));
            }
            Duration left = Duration.between(now, ca.facts.notAfter());
            if (ca.mode != CaStore.Mode.NEW && left.compareTo(options.certValidity()) < 0) {
                warnings.add(Problem.warning(layout.caCert(ca.kind).toString(), "the CA expires on "
                        + ca.facts.notAfter() + "; certificates it signs now end then, not a full "
                        + LeafPolicy.human(options.certValidity()) + " later. Plan a CA rotation."));
            }
        }

        if (newSaKey) {
            KeyPair sa = Keys.generate(algorithm, new SecureRandom());
            writes.add(new Write(layout.saKey(), Pem.encodePrivateKey(sa), PkiLayout.KEY_MODE));
            writes.add(new Write(layout.saPub(), Pem.encodePublicKey(sa.getPublic()), PkiLayout.KEY_MODE));
            entries.add(new PkiReport.Entry("sa", null, layout.saKey(), PkiReport.Action.CREATED, null));
        } else if (renewOnly == null) {
            if (saPubToWrite != null) {
                writes.add(new Write(layout.saPub(), saPubToWrite, PkiLayout.KEY_MODE));
            }
            entries.add(new PkiReport.Entry("sa", null, layout.saKey(), saPubToWrite == null
                    ? PkiReport.Action.KEPT : PkiReport.Action.REGENERATED,
                    saPubToWrite == null ? null : "sa.pub missing or not the public half of sa.key"));
        }

        Set<CaKind> clampWarned = new HashSet<>();
        List<Decision> todo = decisions.stream().filter(d -> d.action() != PkiReport.Action.KEPT
                && d.action() != PkiReport.Action.EXTERNAL).toList();
        byte[] kubernetesCaPem = Pem.encodeCertificate(cas.get(CaKind.KUBERNETES).facts.holder());
        for (Decision d : todo) {
            CaStore.Ca ca = cas.get(d.cert().signer());
            // (an existing CA this close to its end has its own warning above)
            if (ca.mode == CaStore.Mode.NEW && ca.facts.notAfter().isBefore(now.plus(options.certValidity()))
                    && clampWarned.add(ca.kind)) {
                warnings.add(Problem.warning(layout.caCert(ca.kind).toString(),
                        "leaf certificates end with the CA on " + ca.facts.notAfter()
                                + ": the leaf validity is longer than the CA validity"));
            }
        }
        // every leaf of a run has the same validity (ending with its CA at the latest): encode the times once
        org.bouncycastle.asn1.x509.Time leafNotBefore = CertIssuer.time(notBefore);
        Map<CaKind, org.bouncycastle.asn1.x509.Time> leafNotAfter = new EnumMap<>(CaKind.class);
        for (CaStore.Ca ca : cas.values()) {
            Instant end = now.plus(options.certValidity());
            leafNotAfter.put(ca.kind, CertIssuer.time(end.isAfter(ca.facts.notAfter()) ? ca.facts.notAfter() : end));
        }
        // kubelet.conf's client certificate alone has its own lifetime (the kubelet renews it; CertificateOptions)
        CaStore.Ca kubernetesCa = cas.get(CaKind.KUBERNETES);
        Instant kubeletClientEnd = now.plus(options.kubeletClientValidity());
        org.bouncycastle.asn1.x509.Time kubeletClientNotAfter = CertIssuer.time(
                kubeletClientEnd.isAfter(kubernetesCa.facts.notAfter()) ? kubernetesCa.facts.notAfter() : kubeletClientEnd);
        List<List<Write>> leafWrites = Parallel.map(todo, d -> {
            CaStore.Ca ca = cas.get(d.cert().signer());
            KeyPair keys = Keys.generate(algorithm, new SecureRandom());
            boolean kubeletClient = d.kubeconfig() != null && d.kubeconfig().referencesClientFile();
            X509CertificateHolder cert = new CertIssuer(new SecureRandom()).leaf(d.cert(), keys.getPublic(),
                    ca.authority(), leafNotBefore, kubeletClient ? kubeletClientNotAfter : leafNotAfter.get(ca.kind));
            byte[] certPem = Pem.encodeCertificate(cert);
            byte[] keyPem = Pem.encodePrivateKey(keys);
            if (d.kubeconfig() != null) {
                KubeconfigSpec k = d.kubeconfig();
                if (k.referencesClientFile()) {
                    byte[] certAndKey = new byte[certPem.length + keyPem.length];
                    System.arraycopy(certPem, 0, certAndKey, 0, certPem.length);
                    System.arraycopy(keyPem, 0, certAndKey, certPem.length, keyPem.length);
                    // the credentials first: a run cut between the two leaves a kubeconfig that still works
                    return List.of(new Write(layout.clientCertAndKey(k), certAndKey, PkiLayout.KEY_MODE),
                            new Write(layout.kubeconfig(k), Kubeconfigs.renderWithClientFile(k.clusterName(), k.server(),
                                    kubernetesCaPem, k.userName(), PkiLayout.KUBELET_CLIENT_CURRENT), PkiLayout.KEY_MODE));
                }
                return List.of(new Write(layout.kubeconfig(k), Kubeconfigs.render(k.clusterName(), k.server(),
                        kubernetesCaPem, k.userName(), certPem, keyPem), PkiLayout.KEY_MODE));
            }
            return List.of(new Write(layout.cert(d.cert()), certPem, PkiLayout.CERT_MODE),
                    new Write(layout.key(d.cert()), keyPem, PkiLayout.KEY_MODE));
        });
        leafWrites.forEach(writes::addAll);
        for (Decision d : decisions) {
            entries.add(new PkiReport.Entry(d.name(), d.host(), d.file(layout), d.action(), d.reason()));
        }

        // CAs first, so a crash midway never leaves leaves signed by a CA that is not on disk
        writes.sort(Comparator.comparingInt(w -> CaStore.isCaFile(layout, w.file()) ? 0 : 1));
        if (renewOnly == null) {
            lock.directory().directory(lock.directory().path().relativize(layout.root()));
        }
        for (Write w : writes) {
            lock.write(w.file(), w.content(), w.mode());
        }
        return new PkiReport(entries, warnings);
    }

    /** Host names name files under the state directory; the inventory loader allows only DNS names. */
    private static void requireSafeHostNames(Inventory inventory) {
        for (Host h : inventory.hosts()) {
            if (!SAFE_HOST_NAME.matcher(h.name()).matches() || h.name().contains("..")) {
                throw new IllegalStateException("host name '" + h.name() + "' cannot name certificate files");
            }
        }
    }

    private static boolean samePublicKey(byte[] pem, byte[] otherPem) {
        try {
            return Pem.readPublicKey(pem).equals(Pem.readPublicKey(otherPem));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
