#!/usr/bin/env bash
# Adds up every Surefire report of the tree and prints one closing line: "tests: N passed, N failed, N skipped".
shopt -s nullglob globstar
total=0; failed=0; skipped=0
for f in **/target/surefire-reports/TEST-*.xml; do
  line=$(grep -m1 -o '<testsuite [^>]*' "$f")
  t=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$line"); e=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$line")
  fl=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$line"); s=$(sed -n 's/.* skipped="\([0-9]*\)".*/\1/p' <<<"$line")
  total=$((total + ${t:-0})); failed=$((failed + ${e:-0} + ${fl:-0})); skipped=$((skipped + ${s:-0}))
done
echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
