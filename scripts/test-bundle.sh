#!/usr/bin/env bash
# Builds the test bundle the install tests use (io.kubeferry.e2e.TestBundle: Kubernetes 1.32.9 from a local file
# server and registry, real containerd/etcd/kubectl/runc/CNI plugins from Debian, stand-ins for the rest) into
# OUT_DIR, from the command line: for `make demo` and for trying the three steps by hand.
#
#   scripts/test-bundle.sh OUT_DIR [1.33.5]   (OUT_DIR: new, empty, or a test bundle built before, which is replaced;
#                                              1.33.5: the upgrade tests' second bundle, from the 1.33 spec)
#
# Prints the archive and the unpacked bundle (OUT_DIR/unpacked/kubeferry-1.32.9-linux-amd64, with `./install`).
# Needs the build (`make build`, or `mvn -pl e2e -am package -DskipTests`): it runs TestBundle's main with the test
# class path Maven wrote to e2e/target/test-classpath.txt. The bundle has no Java runtime: run its ./install with
# `java` on PATH or KUBEFERRY_JAVA=/path/to/java.
set -euo pipefail
out=${1:?usage: scripts/test-bundle.sh OUT_DIR [1.33.5]}
root=$(cd "$(dirname "$0")/.." && pwd)
classpath=$root/e2e/target/test-classpath.txt
for f in "$classpath" "$root/e2e/target/test-classes/io/kubeferry/e2e/TestBundle.class" "$root/installer/cli/target/installer.jar"; do
  if [ ! -s "$f" ]; then
    echo "test-bundle: $f is missing: build first (make build, or mvn -B -q -pl e2e -am package -DskipTests)" >&2
    exit 2
  fi
done
exec java -Xmx256m -Dkubeferry.repo.root="$root" -cp "$root/e2e/target/test-classes:$(cat "$classpath")" \
  io.kubeferry.e2e.TestBundle "$@"
