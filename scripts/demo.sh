#!/usr/bin/env bash
# The main job, on this machine: bring up a 3-host test datacenter and run the installer against it.
# It grows as the install lands: check hosts, generate the PKI, render every host's files.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=installer/cli/target/installer.jar
TB=/var/lib/kubeferry-testbed
DEMO=work/demo

bash testbed/testbed.sh up 3
mkdir -p "$DEMO"
cat > "$DEMO/inventory.yaml" <<YAML
apiVersion: kubeferry.io/v1alpha1
kind: Inventory
cluster:
  name: demo
  kubernetesVersion: 1.34.1
  controlPlaneEndpoint: {mode: local-proxy}
  networking: {podSubnet: 10.244.0.0/16, cni: flannel}
ssh:
  user: root
  privateKeyFile: $TB/keys/id_rsa
  knownHostsFile: $TB/known_hosts
hosts:
  - {name: kf-h1, address: 10.250.0.11, roles: [control-plane]}
  - {name: kf-h2, address: 10.250.0.12, roles: [worker]}
  # a non-root user whose sudo asks for the password (fed on stdin, never printed)
  - name: kf-h3
    address: 10.250.0.13
    roles: [worker]
    ssh: {user: kfuser, password: "\${file:$TB/password}", sudo: password}
YAML
echo "== inventory: $DEMO/inventory.yaml"
echo "== installer check"
java -jar "$JAR" check -i "$DEMO/inventory.yaml"
if java -jar "$JAR" --help | grep -q "^  certs"; then
  echo "== installer certs generate"
  java -jar "$JAR" certs generate -i "$DEMO/inventory.yaml"
fi
if java -jar "$JAR" --help | grep -q "^  render"; then
  echo "== installer render"
  java -jar "$JAR" render -i "$DEMO/inventory.yaml" -o "$DEMO/rendered"
  find "$DEMO/rendered" -type f | sort | head -50
fi
echo "== demo done; take the test datacenter down with: make testbed-down"
