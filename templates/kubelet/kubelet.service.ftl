# Rendered by Kubeferry (the kubelet.service of Kubernetes' deb/rpm packages, binary from the bundle).
[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target containerd.service
StartLimitIntervalSec=0

[Service]
ExecStart=${settings.binDir}/kubelet
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
