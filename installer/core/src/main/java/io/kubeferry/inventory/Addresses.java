package io.kubeferry.inventory;

/** How an address is written next to a port: IPv6 literals in brackets (RFC 3986), everything else as is. */
public final class Addresses {
    private Addresses() {
    }

    /** {@code [fd00::1]} for an IPv6 literal; an IPv4 address or a DNS name unchanged. */
    public static String bracketed(String address) {
        return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    }

    /** {@code host:port}, an IPv6 host bracketed. */
    public static String hostPort(String address, int port) {
        return bracketed(address) + ":" + port;
    }

    /** {@code https://host:port}, an IPv6 host bracketed. */
    public static String httpsUrl(String address, int port) {
        return "https://" + hostPort(address, port);
    }
}
