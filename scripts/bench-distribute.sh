#!/usr/bin/env bash
# Distribution at scale (issue 11): the relay against the plain parallel SFTP copy from the installer, N = 1, 4, 8, 16
# test hosts, every link shaped by tc to the same rate (10 Mbit/s), the installer's own included: it runs inside one
# more test host (kf-h17). 25 MB payload (an image archive and two binaries). Prints N, seconds each, T(N)/T(1).
#
#   scripts/bench-distribute.sh [N...]        (default 1 4 8 16)
#
# Each N is one run under the build lock (/tmp/kf-build.lock: bandwidth is measured, other builds' CPU would distort
# it); the plain copy to 16 hosts alone takes over 5 minutes at 10 Mbit/s, so the Ns run as separate locked runs.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=$PWD/bench/target/bench.jar
TB=testbed/testbed.sh
RATE=${RATE:-10mbit}
INSTALLER_HOST=kf-h17
[ -f "$JAR" ] || mvn -B -q -o -pl bench -am package -DskipTests
ns=("$@")
((${#ns[@]})) || ns=(1 4 8 16)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for n in "${ns[@]}"; do
  # -o: the test hosts that `up` starts must not inherit the lock's descriptor (they would hold it after the run)
  flock -o /tmp/kf-build.lock bash -c '
    set -euo pipefail
    TB=$1 RATE=$2 IH=$3 JAR=$4 n=$5
    # the 17 shaped hosts are not left to the next user of the lock
    trap '"'"'bash "$TB" down >/dev/null 2>&1 || true'"'"' EXIT
    bash "$TB" up 17 --rate "$RATE" >/dev/null
    # the installer host gets the key, known_hosts and the benchmark (its /tmp is its own)
    cat /var/lib/kubeferry-testbed/keys/id_rsa | bash "$TB" exec "$IH" sh -c "umask 077; cat >/tmp/bench-key"
    cat /var/lib/kubeferry-testbed/known_hosts | bash "$TB" exec "$IH" sh -c "cat >/tmp/bench-known_hosts"
    cat "$JAR" | bash "$TB" exec "$IH" sh -c "cat >/tmp/bench.jar"
    bash "$TB" exec "$IH" java -Xmx256m -cp /tmp/bench.jar io.kubeferry.bench.DistributeBenchmark \
        /tmp/bench-key /tmp/bench-known_hosts "$n"
    bash "$TB" exec "$IH" rm -f /tmp/bench-key /tmp/bench-known_hosts /tmp/bench.jar
  ' _ "$TB" "$RATE" "$INSTALLER_HOST" "$JAR" "$n" | tee -a "$out"
done
echo
echo "Distribute: relay vs plain parallel SFTP copy, every link $RATE (installer in $INSTALLER_HOST), 25 MB payload"
awk 'NR == 1 { r1 = $2; c1 = $3 }
     { rows[NR] = $0; n[NR] = $1; r[NR] = $2; c[NR] = $3 }
     END {
       printf "%4s  %9s  %9s  %12s  %12s\n", "N", "relay s", "copy s", "relay T/T1", "copy T/T1"
       for (i = 1; i <= NR; i++)
         printf "%4d  %9.1f  %9.1f  %12.2f  %12.2f\n", n[i], r[i], c[i], r[i] / r1, c[i] / c1
     }' "$out"
