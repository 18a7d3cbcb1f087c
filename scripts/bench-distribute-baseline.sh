#!/usr/bin/env bash
# Baseline for the install's distribute phase: the same bundle files (binaries and the image archive) copied to N
# test hosts with OpenSSH's scp, all hosts at once, as an operator would script it. Prints the wall time; compare it
# with the "Distribute binaries, images and certificates" line of ./install's "Time per phase" on the same hosts.
#
#   scripts/bench-distribute-baseline.sh BUNDLE_DIR N
set -euo pipefail
bundle=${1:?usage: bench-distribute-baseline.sh BUNDLE_DIR N}
n=${2:?usage: bench-distribute-baseline.sh BUNDLE_DIR N}
TB=/var/lib/kubeferry-testbed
files=("$bundle"/bin/amd64/* "$bundle"/images/images.tar)
bytes=$(du -cb "${files[@]}" | tail -1 | cut -f1)
opts=(-q -i "$TB/keys/id_rsa" -o UserKnownHostsFile="$TB/known_hosts" -o StrictHostKeyChecking=yes)
start=$(date +%s.%N)
for i in $(seq 1 "$n"); do
  ( ssh "${opts[@]}" "root@10.250.0.$((10 + i))" 'rm -rf /var/tmp/scp-baseline && mkdir -p /var/tmp/scp-baseline' \
    && scp "${opts[@]}" "${files[@]}" "root@10.250.0.$((10 + i)):/var/tmp/scp-baseline/" \
    && ssh "${opts[@]}" "root@10.250.0.$((10 + i))" 'rm -rf /var/tmp/scp-baseline' ) &
done
wait
end=$(date +%s.%N)
awk -v n="$n" -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN { printf "scp baseline: %d hosts x %.1f MB in %.1f s\n", n, b / 1e6, e - s }'
