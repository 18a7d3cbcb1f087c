package io.kubeferry.testbed;

/**
 * One host of the local test datacenter: a network namespace with its own sshd.
 *
 * @param name          host name, also its network namespace name (kf-h1, kf-h2, ...)
 * @param address       its IPv4 address on the testbed bridge (10.250.0.11, ...)
 * @param sshPort       port of its real OpenSSH sshd
 * @param hostKeySha256 OpenSSH fingerprint of its (only) host key, e.g. "SHA256:abc..."
 */
public record TestHost(String name, String address, int sshPort, String hostKeySha256) {
}
