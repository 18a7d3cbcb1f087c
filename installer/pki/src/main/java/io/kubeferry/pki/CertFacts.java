package io.kubeferry.pki;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** What a certificate says, read back for idempotence checks and expiry tables. */
public record CertFacts(String commonName, List<String> organizations, boolean isCa, boolean canSignCertificates,
                        Set<ExtKeyUsage> extKeyUsages, List<String> dnsNames, List<String> ipAddresses,
                        Instant notBefore, Instant notAfter, PublicKey publicKey, X509CertificateHolder holder) {

    public static CertFacts of(X509CertificateHolder cert) {
        X500Name subject = cert.getSubject();
        String cn = null;
        List<String> orgs = new ArrayList<>();
        for (RDN rdn : subject.getRDNs()) {
            var first = rdn.getFirst();
            String value = first.getValue() instanceof ASN1String s ? s.getString() : first.getValue().toString();
            if (first.getType().equals(BCStyle.CN)) {
                cn = value;
            } else if (first.getType().equals(BCStyle.O)) {
                orgs.add(value);
            }
        }
        BasicConstraints bc = BasicConstraints.fromExtensions(cert.getExtensions());
        KeyUsage ku = KeyUsage.fromExtensions(cert.getExtensions());
        Set<ExtKeyUsage> ekus = EnumSet.noneOf(ExtKeyUsage.class);
        ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(cert.getExtensions());
        if (eku != null) {
            for (ExtKeyUsage u : ExtKeyUsage.values()) {
                if (eku.hasKeyPurposeId(u.oid())) {
                    ekus.add(u);
                }
            }
        }
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        GeneralNames sans = GeneralNames.fromExtensions(cert.getExtensions(), Extension.subjectAlternativeName);
        if (sans != null) {
            for (GeneralName n : sans.getNames()) {
                if (n.getTagNo() == GeneralName.dNSName) {
                    dns.add(((ASN1String) n.getName()).getString().toLowerCase(java.util.Locale.ROOT));
                } else if (n.getTagNo() == GeneralName.iPAddress) {
                    try {
                        ips.add(InetAddress.getByAddress(ASN1OctetString.getInstance(n.getName()).getOctets())
                                .getHostAddress());
                    } catch (UnknownHostException e) {
                        ips.add("invalid");
                    }
                }
            }
        }
        PublicKey pub;
        try {
            pub = new JcaX509CertificateConverter().getCertificate(cert).getPublicKey();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("unsupported certificate: " + e.getMessage());
        }
        return new CertFacts(cn, List.copyOf(orgs), bc != null && bc.isCA(),
                ku == null || ku.hasUsages(KeyUsage.keyCertSign), ekus, List.copyOf(dns), List.copyOf(ips),
                cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), pub, cert);
    }

    /** True when {@code issuer}'s key signed this certificate and the names chain. */
    public boolean signedBy(CertFacts issuer) {
        if (!holder.getIssuer().equals(issuer.holder.getSubject())) {
            return false;
        }
        try {
            return holder.isSignatureValid(new JcaContentVerifierProviderBuilder().build(issuer.publicKey));
        } catch (Exception e) {
            return false;
        }
    }

    public boolean expiredAt(Instant now) {
        return now.isAfter(notAfter);
    }
}
