package io.kubeferry.inventory;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 network, e.g. 10.96.0.0/12. */
public record Cidr(InetAddress network, int prefixLength) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /** Parses {@code a.b.c.d/n}; the address is masked to the network. Empty when malformed. */
    public static Optional<Cidr> parse(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        Optional<InetAddress> ip = parseIp(s.substring(0, slash));
        if (ip.isEmpty()) {
            return Optional.empty();
        }
        int bits = ip.get().getAddress().length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (prefix < 0 || prefix > bits) {
            return Optional.empty();
        }
        BigInteger masked = toBig(ip.get()).and(mask(bits, prefix));
        return Optional.of(new Cidr(fromBig(masked, bits), prefix));
    }

    /** Parses an IP literal only (never a DNS lookup). */
    public static Optional<InetAddress> parseIp(String s) {
        if (IPV4.matcher(s).matches()) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return Optional.empty();
                }
            }
        } else if (!IPV6.matcher(s).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(s));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    public static boolean isIpLiteral(String s) {
        return parseIp(s).isPresent();
    }

    private int bits() {
        return network.getAddress().length * 8;
    }

    public boolean contains(InetAddress ip) {
        if (ip.getAddress().length != network.getAddress().length) {
            return false;
        }
        return toBig(ip).and(mask(bits(), prefixLength)).equals(toBig(network));
    }

    public boolean overlaps(Cidr other) {
        if (other.bits() != bits()) {
            return false;
        }
        int p = Math.min(prefixLength, other.prefixLength);
        BigInteger m = mask(bits(), p);
        return toBig(network).and(m).equals(toBig(other.network).and(m));
    }

    /** The n-th address of the network as a string (n = 1 is the first host address). */
    public String address(long n) {
        return fromBig(toBig(network).add(BigInteger.valueOf(n)), bits()).getHostAddress();
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    private static BigInteger mask(int bits, int prefix) {
        return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
    }

    private static BigInteger toBig(InetAddress a) {
        return new BigInteger(1, a.getAddress());
    }

    private static InetAddress fromBig(BigInteger v, int bits) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[bits / 8];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
