#!/usr/bin/env bash
# Times `sluice render` against `jq` on the same 1,000,000 records, selecting the same fields
# into the same JSON object, and checks that the two agree.
#
#   bench/render_vs_jq.sh [RECORDS]
#
# RECORDS (default 1000000) realistic request records (~650 bytes each) are generated once,
# deterministically, by bench/gen_records.py into build/bench-data/. RUNS (default 3) timed runs
# of each tool; the best and the median are reported. SLUICE (default build/release/sluice) is
# the binary under test; build it first with `cmake --preset release && cmake --build
# build/release -j2`. Uses hyperfine when it is installed, else its own wall-clock timing.
set -euo pipefail
cd "$(dirname "$0")/.."

records="${1:-1000000}"
runs="${RUNS:-3}"
sluice="${SLUICE:-build/release/sluice}"
data_dir=build/bench-data
data="$data_dir/records-$records.ndjson"

command -v jq >/dev/null || { echo "render_vs_jq: jq is not installed" >&2; exit 2; }
[ -x "$sluice" ] || { echo "render_vs_jq: $sluice is missing; build the release preset" >&2; exit 2; }

mkdir -p "$data_dir"
if [ ! -s "$data" ] || [ "bench/gen_records.py" -nt "$data" ]; then
  echo "== generating $records records into $data"
  python3 bench/gen_records.py "$records" >"$data.tmp"
  mv "$data.tmp" "$data"
fi
lines=$(wc -l <"$data")
bytes=$(wc -c <"$data")
echo "== $data: $lines records, $bytes bytes ($((bytes / lines)) bytes per record)"

# The same selection in both languages: seven fields into one compact JSON object per record.
format='{"host":"%{json.escape(req.http.Host)}V","status":%{resp.status}V,'
format+='"url":"%{json.escape(req.url)}V","method":"%{json.escape(req.method)}V",'
format+='"client_ip":"%{json.escape(req.http.Fastly-Client-IP)}V",'
format+='"bytes":%{resp.body_bytes_written}V,"elapsed_usec":%{time.elapsed.usec}V}'
filter='{host: .["req.http.Host"], status: .["resp.status"], url: .["req.url"],'
filter+=' method: .["req.method"], client_ip: .["req.http.Fastly-Client-IP"],'
filter+=' bytes: .["resp.body_bytes_written"], elapsed_usec: .["time.elapsed.usec"]}'

sluice_cmd=("$sluice" render --format "$format" --record "$data")
jq_cmd=(jq -c "$filter" "$data")

# Agreement first: both outputs, parsed as JSON, must be equal line for line.
echo "== checking that both outputs agree"
sample=$(mktemp -d)
trap 'rm -rf "$sample"' EXIT
"${sluice_cmd[@]}" >"$sample/sluice.out"
"${jq_cmd[@]}" >"$sample/jq.out"
python3 - "$sample/sluice.out" "$sample/jq.out" <<'EOF'
import json, sys
a, b = (open(p, encoding="utf-8") for p in sys.argv[1:3])
n = 0
for n, (x, y) in enumerate(zip(a, b), 1):
    if json.loads(x) != json.loads(y):
        sys.exit(f"outputs differ at line {n}:\n  sluice: {x.strip()}\n  jq:     {y.strip()}")
if next(a, None) is not None or next(b, None) is not None:
    sys.exit(f"outputs differ in length after {n} lines")
print(f"   {n} lines, equal as JSON (byte-identical: ", end="")
EOF
if cmp -s "$sample/sluice.out" "$sample/jq.out"; then echo "yes)"; else echo "no)"; fi
rm -f "$sample/sluice.out" "$sample/jq.out"

# Wall-clock seconds of one run, output to /dev/null.
time_once() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.3f", $2 - $1}'
}

# Prints "best median" over $runs runs.
time_runs() {
  local times=()
  for ((i = 0; i < runs; i++)); do times+=("$(time_once "$@")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk '{t[NR] = $1} END {printf "%s %s\n", t[1], t[int((NR + 1) / 2)]}'
}

cat "$data" >/dev/null  # warm the page cache so both tools read from memory

if command -v hyperfine >/dev/null; then
  echo "== hyperfine ($runs runs each)"
  hyperfine --warmup 1 --runs "$runs" --export-json "$sample/hyperfine.json" \
    -n sluice "$(printf '%q ' "${sluice_cmd[@]}") >/dev/null" \
    -n jq "$(printf '%q ' "${jq_cmd[@]}") >/dev/null"
  read -r s_best s_median j_best j_median < <(python3 - "$sample/hyperfine.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(min(r["sluice"]["times"]), r["sluice"]["median"], min(r["jq"]["times"]), r["jq"]["median"])
EOF
  )
else
  echo "== timing $runs runs of each (hyperfine is not installed)"
  read -r s_best s_median < <(time_runs "${sluice_cmd[@]}")
  read -r j_best j_median < <(time_runs "${jq_cmd[@]}")
fi

awk -v n="$lines" -v sb="$s_best" -v sm="$s_median" -v jb="$j_best" -v jm="$j_median" 'BEGIN {
  printf "%-8s %10s %10s %16s\n", "tool", "best s", "median s", "records/s (best)"
  printf "%-8s %10.3f %10.3f %16.0f\n", "sluice", sb, sm, n / sb
  printf "%-8s %10.3f %10.3f %16.0f\n", "jq", jb, jm, n / jb
  printf "sluice is %.1fx faster than jq (best against best)\n", jb / sb
  exit !(sb < jb)
}' || { echo "render_vs_jq: sluice is not faster than jq" >&2; exit 1; }
