#!/usr/bin/env bash
# sluice against rsyslog and syslog-ng on the same inputs, in one go (docs/benchmarks.md):
#
#   bench/compare.sh [--sluice [LABEL=]PATH[,...]] [--workloads W1,W2,W3,W4] [--runs 3]
#                    [--lines N | --lines W1=N,W2=M,...] [--body-records 10000,100]
#                    [--clients 2] [--no-keepalive] [--taskset CPUS] [--sender-cpus CPUS]
#                    [--scaling [--scaling-cpus '0;0,1']] [--peers rsyslog,syslog-ng]
#                    [--write-docs [PATH]]
#
#   W1  log statements over syslog TCP -> file            sluice, rsyslog, syslog-ng
#   W2  syslog frames carrying JSON request records -> parsed -> 004 JSON template -> file
#                                                         sluice, rsyslog, syslog-ng
#   W3  W2's input and template -> NDJSON over HTTP to a counting receiver
#                                                         sluice, syslog-ng (rsyslog: n/a)
#   W4  the records through sluice's HTTP ingest -> 004 JSON template -> file; its bar is
#       W4's CPU seconds per record <= 1.3x W2's
#
# Prints, per workload and receiver, the medians of msgs/s, CPU seconds and peak RSS, and the
# ratios sluice/peer; with --sluice before=OLD,after=NEW also after/before; with --scaling, W1 and
# W2 for sluice pinned to 1 CPU and to 2, and 2-core/1-core. --write-docs regenerates
# docs/benchmarks.md from the run. The logic is in compare.py (receivers in compare_peers.py);
# this wrapper checks the tools. Default binary: build/release/sluice.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fail() { echo "compare: $1 is missing; run scripts/setup" >&2; exit 2; }

for tool in python3 socat node taskset; do
  command -v "$tool" >/dev/null || fail "$tool"
done

# Which peers this invocation needs: none with --scaling (sluice only), else --peers' list.
peers="rsyslog,syslog-ng"
syslog_ng_root=/var/cache/sluice-peers/syslog-ng
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --scaling) peers="" ;;
    --peers) peers="${args[i + 1]:-}" ;;
    --peers=*) peers="${args[i]#--peers=}" ;;
    --syslog-ng-root) syslog_ng_root="${args[i + 1]:-}" ;;
    --syslog-ng-root=*) syslog_ng_root="${args[i]#--syslog-ng-root=}" ;;
  esac
done
if [[ ",$peers," == *,rsyslog,* ]] && ! command -v rsyslogd >/dev/null &&
   [ ! -x /usr/sbin/rsyslogd ]; then
  fail "rsyslogd"
fi
if [[ ",$peers," == *,syslog-ng,* ]] && [ ! -x "$syslog_ng_root/usr/sbin/syslog-ng" ]; then
  fail "syslog-ng (extracted under $syslog_ng_root)"
fi
exec python3 "$here/compare.py" "$@"
