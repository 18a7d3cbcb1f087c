#!/usr/bin/env bash
# Real parts for the install tests that Debian 12 has only in older versions: etcd 3.5 (the etcd minor of
# Kubernetes 1.32/1.33), containerd 1.7 and a kubectl 1.32, from Debian 13 (trixie). They are fetched with
# `apt-get download` through a private sources list and state directory (the machine's own apt setup is not
# touched) and unpacked with `dpkg -x` under $DEST; nothing is installed on the machine. The archive's address
# is taken from the machine's own Debian sources. Idempotent: does nothing when $DEST is complete.
set -euo pipefail

DEST=${KUBEFERRY_TOOLS:-/var/lib/kubeferry-tools/trixie}
PACKAGES=(etcd-server etcd-client containerd "kubectl=1.32.3+ds-2")

if [ -x "$DEST/usr/bin/etcd" ] && [ -x "$DEST/usr/bin/etcdctl" ] && [ -x "$DEST/usr/bin/containerd" ] \
   && [ -x "$DEST/usr/bin/kubectl" ]; then
  exit 0
fi

uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
if [ -z "$uri" ]; then
  echo "fetch-debian-tools: no Debian archive found in this machine's apt sources" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state/lists/partial" "$work/cache/archives/partial" "$work/etc/sources.list.d" "$work/etc/preferences.d" "$work/debs"
cat > "$work/etc/sources.list.d/trixie.sources" <<SRC
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
: > "$work/etc/sources.list"
apt_opts=(-o "Dir::State=$work/state" -o "Dir::Cache=$work/cache" -o "Dir::Etc::SourceList=$work/etc/sources.list"
          -o "Dir::Etc::SourceParts=$work/etc/sources.list.d" -o "Dir::Etc::Preferences=$work/etc/preferences"
          -o "Dir::Etc::PreferencesParts=$work/etc/preferences.d" -o "APT::Architecture=$(dpkg --print-architecture)"
          -o "Debug::NoLocking=1")
apt-get "${apt_opts[@]}" -q update >/dev/null
(cd "$work/debs" && apt-get "${apt_opts[@]}" -o APT::Sandbox::User=root -q download "${PACKAGES[@]}")
mkdir -p "$DEST.new"
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$DEST.new"
done
rm -rf "$DEST"
mv "$DEST.new" "$DEST"
echo "fetch-debian-tools: $(ls "$work"/debs | tr '\n' ' ')-> $DEST"
