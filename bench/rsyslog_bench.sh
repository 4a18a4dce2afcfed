#!/usr/bin/env bash
# sluice vs rsyslog as a syslog/TCP -> file receiver: the benchmark of issue 3.
#
#   bench/rsyslog_bench.sh [--sluice [LABEL=]PATH[,...]] [--lines 2000000] [--runs 3]
#                          [--only sluice] [--modes sluice,sluice-disk,sluice-fwd,rsyslog,...]
#   modes: sluice, rsyslog (file), sluice-fwd, rsyslog-fwd (forwarding, below), sluice-disk,
#   rsyslog-da (see bench/disk_queue_bench.sh)
#
# Sends a pre-generated file of 2,000,000 RFC 3164 log statements (~300 bytes each) with
#   socat -u -b 262144 OPEN:FILE TCP:127.0.0.1:PORT
# to a fresh sluice (syslog TCP source -> file endpoint, message_type blank) and a fresh rsyslogd
# (imtcp -> omfile "%msg%\n"), three runs each, interleaved, and prints the time until the last
# line is in the output file, msgs/s, receiver CPU seconds and peak RSS, with medians and the
# sluice/rsyslog ratio. The logic is in rsyslog_bench.py; this wrapper checks the tools.
#
# Forwarding: --modes sluice-fwd,rsyslog-fwd relays instead of writing the file: sluice's
# endpoint is of type syslog (TCP, message_type blank), rsyslog's action omfwd (TCP, "%msg%\n"),
# both to a final receiver `socat -u TCP-LISTEN:PORT2,fork OPEN:FILE`; CPU and RSS are the
# forwarder's. Before/after: --sluice before=OLD_BINARY,after=build/sluice runs every sluice
# mode with each binary, interleaved, labelled e.g. sluice-fwd@before, with the ratios.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for tool in socat python3; do
  command -v "$tool" >/dev/null || { echo "rsyslog_bench: $tool is missing (scripts/setup)" >&2; exit 2; }
done
if ! command -v rsyslogd >/dev/null && [ ! -x /usr/sbin/rsyslogd ]; then
  echo "rsyslog_bench: rsyslogd is missing (scripts/setup)" >&2
  exit 2
fi
exec python3 "$here/rsyslog_bench.py" "$@"
