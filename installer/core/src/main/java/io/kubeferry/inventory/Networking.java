package io.kubeferry.inventory;

/**
 * @param podSubnet     pod CIDR (the CNI's pool; the controller-manager's --cluster-cidr)
 * @param serviceSubnet service CIDR (kubeadm default 10.96.0.0/12)
 */
public record Networking(Cidr podSubnet, Cidr serviceSubnet, String dnsDomain, Cni cni) {
    public static final String DEFAULT_SERVICE_SUBNET = "10.96.0.0/12";
    public static final String DEFAULT_DNS_DOMAIN = "cluster.local";

    /** The CNIs Kubeferry installs (each has its component, templates and images). */
    public enum Cni {
        FLANNEL("flannel");

        private final String yamlName;

        Cni(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }
    }

    /** The `kubernetes` Service's ClusterIP: the first address of the service subnet (kubeadm's GetAPIServerVirtualIP). */
    public String apiServerServiceIp() {
        return serviceSubnet.address(1);
    }

    /** CoreDNS's ClusterIP: the 10th address of the service subnet (kubeadm's GetDNSIP). */
    public String dnsServiceIp() {
        return serviceSubnet.address(10);
    }
}
