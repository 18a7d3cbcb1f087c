package io.kubeferry.pki;

import io.kubeferry.errors.Problem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The three CAs as found in the state directory: new (to be created), owned (certificate and key here) or
 * external (certificate only: the user signs everything it covers). Reading finds every problem at once.
 */
final class CaStore {
    enum Mode { NEW, OWNED, EXTERNAL }

    /** A CA as found in (or about to be written to) the state directory. */
    static final class Ca {
        final CaKind kind;
        Mode mode;
        CertFacts facts;
        PrivateKey key;

        Ca(CaKind kind) {
            this.kind = kind;
        }

        CertIssuer.Authority authority() {
            return new CertIssuer.Authority(facts.holder(), key);
        }
    }

    private CaStore() {
    }

    /** The given CAs; problems go to {@code errors}, keys readable by others to {@code warnings}. */
    static Map<CaKind, Ca> load(List<CaKind> kinds, PkiLayout layout, Instant now, List<Problem> errors,
                                List<Problem> warnings) {
        Map<CaKind, Ca> cas = new EnumMap<>(CaKind.class);
        for (CaKind kind : kinds) {
            cas.put(kind, load(kind, layout, now, errors));
            warnIfReadableByOthers(layout.caKey(kind), warnings);
        }
        return cas;
    }

    static boolean isCaFile(PkiLayout layout, Path file) {
        for (CaKind k : CaKind.values()) {
            if (file.equals(layout.caCert(k)) || file.equals(layout.caKey(k))) {
                return true;
            }
        }
        return false;
    }

    /** A certificate without its key in the state directory: the user's CA, whose key Kubeferry never sees. */
    static boolean isExternal(PkiLayout layout, CaKind kind) {
        return Files.isRegularFile(layout.caCert(kind)) && !Files.exists(layout.caKey(kind));
    }

    static void warnIfReadableByOthers(Path key, List<Problem> warnings) {
        try {
            if (Files.exists(key) && Files.getPosixFilePermissions(key).stream().anyMatch(p ->
                    p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
                            && p != PosixFilePermission.OWNER_EXECUTE)) {
                warnings.add(Problem.warning(key.toString(), "a private key readable by other users; run chmod 600 on it"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // no POSIX permissions here: nothing to check
        }
    }

    private static Ca load(CaKind kind, PkiLayout layout, Instant now, List<Problem> errors) {
        Ca ca = new Ca(kind);
        Path crt = layout.caCert(kind);
        Path key = layout.caKey(kind);
        boolean hasCrt = Files.exists(crt);
        boolean hasKey = Files.exists(key);
        if (!hasCrt && !hasKey) {
            ca.mode = Mode.NEW;
            return ca;
        }
        if (!hasCrt) {
            errors.add(Problem.error(key.toString(), "a CA key without its certificate; put " + crt.getFileName()
                    + " next to it, or remove the key so that Kubeferry creates a new " + kind.certName()));
            ca.mode = Mode.OWNED;
            return ca;
        }
        try {
            ca.facts = CertFacts.of(Pem.readCertificate(Files.readAllBytes(crt)));
        } catch (IOException | IllegalArgumentException e) {
            errors.add(Problem.error(crt.toString(), "cannot read the " + kind.certName() + " certificate: "
                    + e.getMessage() + "; supply a PEM certificate or remove it (and its key) to let Kubeferry create one"));
            ca.mode = hasKey ? Mode.OWNED : Mode.EXTERNAL;
            return ca;
        }
        if (!ca.facts.isCa() || !ca.facts.canSignCertificates()) {
            errors.add(Problem.error(crt.toString(), "is not a CA certificate (" + (!ca.facts.isCa()
                    ? "BasicConstraints CA flag not set" : "KeyUsage lacks keyCertSign")
                    + "); supply a CA certificate for " + kind.certName()));
        }
        if (ca.facts.expiredAt(now)) {
            errors.add(Problem.error(crt.toString(), "the " + kind.certName() + " expired on " + ca.facts.notAfter()
                    + "; supply a valid CA (and re-issue what it signed)"));
        }
        if (hasKey) {
            try {
                ca.key = Pem.readPrivateKey(Files.readAllBytes(key));
                if (!Keys.matches(ca.key, ca.facts.publicKey())) {
                    errors.add(Problem.error(key.toString(), "does not belong to " + crt
                            + " (the key and the certificate do not match); supply the matching pair"));
                }
            } catch (IOException | IllegalArgumentException e) {
                errors.add(Problem.error(key.toString(), "cannot read the " + kind.certName() + " key: "
                        + e.getMessage() + "; supply an unencrypted PEM key"));
            }
            ca.mode = Mode.OWNED;
        } else {
            ca.mode = Mode.EXTERNAL;
        }
        return ca;
    }
}
