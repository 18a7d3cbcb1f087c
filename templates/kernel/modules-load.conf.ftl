# Rendered by Kubeferry: kernel modules containerd and kube-proxy need, loaded at boot.
overlay
br_netfilter
