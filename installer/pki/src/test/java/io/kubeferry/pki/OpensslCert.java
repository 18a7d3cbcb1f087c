package io.kubeferry.pki;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A certificate as `openssl x509 -text` prints it, parsed from openssl's output only. */
record OpensslCert(String cn, List<String> organizations, String keyUsage, boolean keyUsageCritical,
                   String extKeyUsage, String basicConstraints, List<String> sans, Instant notBefore,
                   Instant notAfter, String keyAlgorithm, int keyBits, String curve, BigInteger serial,
                   String text) {

    private static final DateTimeFormatter OPENSSL_DATE =
            DateTimeFormatter.ofPattern("MMM d HH:mm:ss yyyy 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    static OpensslCert read(Path pem) {
        String text = Cmd.ok("openssl", "x509", "-in", pem.toString(), "-noout", "-text");
        String serialHex = Cmd.ok("openssl", "x509", "-in", pem.toString(), "-noout", "-serial").trim();
        String subject = Cmd.ok("openssl", "x509", "-in", pem.toString(), "-noout", "-subject",
                "-nameopt", "sep_multiline,sname,utf8");
        String cn = null;
        List<String> orgs = new ArrayList<>();
        for (String line : subject.split("\n")) {
            String l = line.trim();
            if (l.startsWith("CN=")) {
                cn = l.substring(3);
            } else if (l.startsWith("O=")) {
                orgs.add(l.substring(2));
            }
        }
        String ku = after(text, "X509v3 Key Usage:");
        String eku = after(text, "X509v3 Extended Key Usage:");
        String bc = after(text, "X509v3 Basic Constraints:");
        String sanLine = after(text, "X509v3 Subject Alternative Name:");
        List<String> sans = sanLine == null ? List.of() : Arrays.stream(sanLine.split(",\\s*")).map(String::trim).toList();
        Instant nb = date(text, "Not Before:");
        Instant na = date(text, "Not After :");
        String alg = match(text, "Public Key Algorithm: (\\S+)");
        String bits = match(text, "Public-Key: \\((\\d+) bit\\)");
        String curve = match(text, "NIST CURVE: (\\S+)");
        return new OpensslCert(cn, orgs, ku, text.contains("X509v3 Key Usage: critical"), eku, bc, sans, nb, na, alg,
                bits == null ? -1 : Integer.parseInt(bits), curve,
                new BigInteger(serialHex.substring(serialHex.indexOf('=') + 1), 16), text);
    }

    /** The line after a header line like "X509v3 Key Usage: critical". */
    private static String after(String text, String header) {
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].trim().startsWith(header)) {
                return lines[i + 1].trim();
            }
        }
        return null;
    }

    private static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }

    private static Instant date(String text, String label) {
        String v = match(text, Pattern.quote(label) + "\\s*(.+)");
        return OPENSSL_DATE.parse(v.trim().replaceAll("\\s+", " "), Instant::from);
    }
}
