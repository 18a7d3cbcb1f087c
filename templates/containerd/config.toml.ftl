# Rendered by Kubeferry for ${host.name}.
# Version 2 is read by containerd 1.6, 1.7 and 2.x (2.x migrates it on load).
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    # the pause image comes from the bundle like every other image
    sandbox_image = ${tq(images.pause)}

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      snapshotter = "overlayfs"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          # must match the kubelet's cgroupDriver: systemd, or pods restart in a loop
          SystemdCgroup = true

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"
      conf_dir = "/etc/cni/net.d"

    [plugins."io.containerd.grpc.v1.cri".registry]
      # one hosts.toml per registry in this directory; each sends pulls to the bundle's registry only
      config_path = "/etc/containerd/certs.d"
