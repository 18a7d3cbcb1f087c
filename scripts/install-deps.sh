#!/usr/bin/env bash
# Installs what the build, the tests, the demo and the benchmarks need on a fresh Debian 12 machine (as root).
# Idempotent: does nothing when everything is there.
set -euo pipefail

PACKAGES=(
  openjdk-17-jdk-headless maven make     # build (Java 17 with jmods for the bundle's jlink runtime)
  openssh-server openssh-client sudo     # test datacenter: real sshd in every host
  iproute2 iptables kmod procps util-linux psmisc  # namespaces, veth, bridge, tc, mounts
  openssl                                # certificate tests check our PKI with openssl
  containerd runc containernetworking-plugins  # real containerd on test hosts, config checks
  etcd-server etcd-client                # real three-member etcd with our certificates
  docker-registry skopeo apache2-utils   # real OCI registry for the bundle builder tests (htpasswd auth)
  haproxy                                # checks the rendered HA proxy config with haproxy -c
  systemd                                # systemd-analyze verify of rendered units (systemd does not run here)
  busybox-static                         # a runnable binary inside the test images
  curl ca-certificates python3            # python3: the systemctl stand-in on test hosts
  binutils dash                          # objdump -T: the bundled runtime's glibc needs; dash runs the launcher test
)

# kubeconfig tests read our files with kubectl: the machine image has one; Debian's client otherwise
command -v kubectl >/dev/null || PACKAGES+=(kubernetes-client)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  # No services may start during the install (there is no systemd, and an etcd or registry started by its
  # init script would take the ports the tests use).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT  # also when apt-get fails
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
