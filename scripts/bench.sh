#!/usr/bin/env bash
# Benchmarks that print figures, each against its baseline in the same run on this machine.
#   scripts/bench.sh            all of them
#   scripts/bench.sh pki        one: pki | bundle | runtime | distribute
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=bench/target/bench.jar
[ -f "$JAR" ] || mvn -B -q -pl bench -am install -DskipTests
which=${1:-all}
if [[ $which == all || $which == pki ]]; then
  echo "== PKI: Kubeferry (Bouncy Castle) vs the openssl command line, 3 control-plane + 100 workers"
  java -cp "$JAR" io.kubeferry.bench.PkiBenchmark
fi
if [[ $which == all || $which == bundle ]]; then
  echo "== Bundle: bundle-builder vs skopeo copy per image + tar czf"
  java -cp "$JAR" io.kubeferry.bench.BundleBenchmark
fi
if [[ $which == all || $which == runtime ]]; then
  echo "== Bundled Java runtime: size, ./install start with and without CDS, the build's peak RSS"
  java -cp "$JAR" io.kubeferry.bench.RuntimeBenchmark installer/cli/target/installer.jar
fi
if [[ $which == all || $which == distribute ]]; then
  echo "== Distribute: the relay vs the plain parallel SFTP copy, N = 1, 4, 8, 16 hosts at 10 Mbit/s (test datacenter)"
  bash scripts/bench-distribute.sh
fi
