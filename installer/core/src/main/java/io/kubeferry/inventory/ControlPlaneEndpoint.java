package io.kubeferry.inventory;

/**
 * The one address every kubeconfig, kube-proxy and joined node uses to reach the API server.
 *
 * @param host an IP address or DNS name
 */
public record ControlPlaneEndpoint(String host, int port, Mode mode) {
    public static final int DEFAULT_PORT = 6443;
    /** Name used in local-proxy mode when the user gives none; every node maps it in /etc/hosts. */
    public static final String DEFAULT_LOCAL_PROXY_NAME = "apiserver.kubeferry.local";

    public enum Mode {
        /** One control-plane node and no endpoint given: its internal address is the endpoint. */
        SINGLE_NODE("single-node"),
        /** A load balancer or VIP the user runs (keepalived, F5, cloud LB...). */
        EXTERNAL("external"),
        /**
         * Kubeferry runs a local proxy on every worker that forwards to all apiservers. {@code host} is a
         * DNS name that each node maps in /etc/hosts: to 127.0.0.1 on workers (the local proxy) and to
         * its own internal address on control-plane nodes (the local apiserver).
         */
        LOCAL_PROXY("local-proxy");

        private final String yamlName;

        Mode(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }
    }

    /** {@code https://host:port}, IPv6 hosts bracketed. */
    public String url() {
        return Addresses.httpsUrl(host, port);
    }

    public boolean hostIsIp() {
        return Cidr.isIpLiteral(host);
    }
}
