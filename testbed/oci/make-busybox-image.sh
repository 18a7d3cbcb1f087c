#!/usr/bin/env bash
# Builds a tiny OCI image archive (OCI image layout in a tar) from the machine's static busybox, for
# container tests in the test datacenter: `ctr -n k8s.io images import OUT.tar` then `ctr run`.
#
#   make-busybox-image.sh OUT.tar [IMAGE-NAME]      (default name: docker.io/kubeferry/busybox:test)
#
# Needs busybox-static (/bin/busybox must be a static binary: the image has no libc).
set -euo pipefail
out=${1:?usage: make-busybox-image.sh OUT.tar [IMAGE-NAME]}
name=${2:-docker.io/kubeferry/busybox:test}
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || { echo "no $busybox: apt-get install busybox-static" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
  echo "$busybox is dynamically linked; install busybox-static" >&2
  exit 1
fi
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc" "$work/layout/blobs/sha256"
install -m 755 "$busybox" "$work/rootfs/bin/busybox"
for applet in sh ls cat echo sleep id hostname wget nc ps mount uname env true false; do
  ln -s busybox "$work/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
echo 'root:x:0:' >"$work/rootfs/etc/group"

# blob FILE MEDIATYPE -> stores FILE under blobs/sha256 and prints its descriptor JSON
blob() {
  local sum size
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$work/layout/blobs/sha256/$sum"
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$2" "$sum" "$size"
}

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2026-01-01 00:00:00' \
  -C "$work/rootfs" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 "$work/layer.tar"
layer=$(blob "$work/layer.tar.gz" application/vnd.oci.image.layer.v1.tar+gzip)

cat >"$work/config.json" <<JSON
{"architecture":"$arch","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created":"2026-01-01T00:00:00Z","created_by":"kubeferry testbed make-busybox-image.sh"}]}
JSON
config=$(blob "$work/config.json" application/vnd.oci.image.config.v1+json)

cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":$config,"layers":[$layer]}
JSON
manifest=$(blob "$work/manifest.json" application/vnd.oci.image.manifest.v1+json)

tag=${name##*:}
cat >"$work/layout/index.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[${manifest%\}},"annotations":{"io.containerd.image.name":"$name","org.opencontainers.image.ref.name":"$tag"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2026-01-01 00:00:00' \
  -C "$work/layout" -cf "$out" oci-layout index.json blobs
echo "$out: $name ($(stat -c %s "$out") bytes)"
