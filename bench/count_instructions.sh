#!/usr/bin/env bash
# Instructions per line of the render benchmark's work, counted by callgrind: the deterministic
# figure to compare builds by on a machine whose clock speed drifts.
#
#   bench/count_instructions.sh [BINARY_DIR]     (default build/release/bench)
#
# Prints, for render alone (r), decode alone (d) and decode + render (b), the difference in
# instructions between 12,000 and 2,000 iterations divided by 10,000, so start-up and the first
# record's one-off costs cancel out.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/release/bench}/render_count"
[ -x "$bin" ] || { echo "count_instructions: $bin is missing; build the release preset" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "count_instructions: valgrind is not installed" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.$1.$2" "$bin" "$1" "$2" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for mode in r d b; do
  a=$(count "$mode" 2000)
  b=$(count "$mode" 12000)
  case $mode in r) what="render 004" ;; d) what="decode" ;; b) what="decode + render 004" ;; esac
  echo "$what: $(((b - a) / 10000)) instructions per line"
done
