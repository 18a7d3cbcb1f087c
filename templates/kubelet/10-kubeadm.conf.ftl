# Rendered by Kubeferry (kubeadm's drop-in). KUBELET_EXTRA_ARGS from /etc/default/kubelet comes last and wins.
# --bootstrap-kubeconfig stays as in kubeadm's drop-in although Kubeferry never writes that file: the kubelet reads
# it only when kubelet.conf's certificate is missing or expired, so an operator can recover such a node by putting
# a bootstrap kubeconfig there. kubelet.conf refers to /var/lib/kubelet/pki/kubelet-client-current.pem, which the
# kubelet rotates itself (rotateCertificates: true).
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=${settings.binDir}/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
