# Rendered by Kubeferry: forwarding and bridged traffic through iptables, as Kubernetes networking needs.
net.ipv4.ip_forward = 1
net.ipv6.conf.all.forwarding = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
