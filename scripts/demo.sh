#!/usr/bin/env bash
# The main job, on this machine: the three steps a user takes, on a 5-host test datacenter (3 control planes,
# 2 workers), from a bundle built here by bundle-builder out of local mirrors (scripts/test-bundle.sh: real
# containerd, etcd, runc, CNI plugins, kubectl; the kubelet is a STAND-IN, the Kubernetes binaries cannot be had here).
set -euo pipefail
cd "$(dirname "$0")/.."
TB=/var/lib/kubeferry-testbed
DEMO=$PWD/work/demo
JAVA=${KUBEFERRY_JAVA:-$(command -v java)}

echo "== a fresh test datacenter: kf-h1..kf-h5"
bash testbed/testbed.sh down >/dev/null 2>&1 || true
bash testbed/testbed.sh up 5
echo "== on the connected machine: build the bundle (bundle-builder, from local mirrors)"
mkdir -p "$DEMO"
rm -rf "$DEMO/datacenter"
scripts/test-bundle.sh "$DEMO/build" | tail -3
archive=$(ls "$DEMO"/build/kubeferry-*.tar.gz)

echo "== step 1: unpack the bundle in the datacenter"
mkdir -p "$DEMO/datacenter"
tar xzf "$archive" -C "$DEMO/datacenter"
bundle=$(ls -d "$DEMO"/datacenter/kubeferry-*/)
echo "   tar xzf $(basename "$archive")  ->  $bundle"

echo "== step 2: write the inventory"
cat > "$DEMO/datacenter/inventory.yaml" <<YAML
cluster:
  name: demo
  kubernetesVersion: 1.32.9
  controlPlaneEndpoint: {mode: local-proxy}
ssh:
  user: root
  privateKeyFile: $TB/keys/id_rsa
  knownHostsFile: $TB/known_hosts
hosts:
  - {name: 'kf-h[1:3]', address: '10.250.0.[11:13]', roles: [control-plane]}
  - {name: kf-h4, address: 10.250.0.14, roles: [worker]}
  # a non-root user whose sudo asks for the password (fed on stdin, never printed)
  - name: kf-h5
    address: 10.250.0.15
    roles: [worker]
    ssh: {user: kfuser, password: "\${file:$TB/password}", sudo: password}
YAML
sed 's/^/   /' "$DEMO/datacenter/inventory.yaml"

echo "== step 3: ./install -i inventory.yaml"
(cd "$bundle" && KUBEFERRY_JAVA=$JAVA ./install -i ../inventory.yaml)

echo "== the cluster, seen by kubectl with the generated admin.conf"
kubectl --kubeconfig "$DEMO/datacenter/.kubeferry/demo/pki/admin.conf" --server https://10.250.0.11:6443 get nodes -o wide
echo "== run it again: nothing changes"
(cd "$bundle" && KUBEFERRY_JAVA=$JAVA ./install -i ../inventory.yaml | sed -n "/^==> Summary/,\$p")
echo "== demo done; take the test datacenter down with: make testbed-down"
