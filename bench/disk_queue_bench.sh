#!/usr/bin/env bash
# The disk queue benchmark of issue 6: sluice's disk queue (fsync = "interval") against its
# memory queue and against rsyslog with a disk-assisted queue, on the rsyslog workload of issue 3.
#
#   bench/disk_queue_bench.sh [--sluice build/release/sluice] [--lines 2000000] [--runs 3]
#
# 2,000,000 RFC 3164 log statements of ~300 bytes are sent with
#   socat -u -b 262144 OPEN:FILE TCP:127.0.0.1:PORT
# to, in turn (interleaved, --runs times each):
#   sluice       syslog TCP source -> file endpoint (blank), queue in memory
#   sluice-disk  the same with [storage] dir (a fresh directory on the work directory's disk)
#                and fsync = "interval"
#   rsyslog-da   imtcp -> omfile "%msg%\n" through a ruleset queue with queue.type="LinkedList",
#                queue.filename and queue.saveOnShutdown="on" (disk-assisted), spool in the
#                work directory
# and prints each run, the medians, the ratios and whether the bars are met: sluice-disk >= 70%
# of sluice's msgs/s and >= 1.5x rsyslog-da's. Other modes: --modes (see rsyslog_bench.py).
# The work directory (default: a new one under /tmp) decides the disk the queues use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for tool in socat python3; do
  command -v "$tool" >/dev/null || { echo "disk_queue_bench: $tool is missing (scripts/setup)" >&2; exit 2; }
done
if ! command -v rsyslogd >/dev/null && [ ! -x /usr/sbin/rsyslogd ]; then
  echo "disk_queue_bench: rsyslogd is missing (scripts/setup)" >&2
  exit 2
fi
exec python3 "$here/rsyslog_bench.py" --modes sluice,sluice-disk,rsyslog-da "$@"
