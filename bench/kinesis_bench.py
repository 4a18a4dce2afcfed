#!/usr/bin/env python3
"""Throughput of the kinesis endpoint per shard (issue 5's benchmark): aggregation none vs kpl,
against kinesalite behind the project's throttling proxy (tests/peers/kinesis_throttle_proxy.js)
at AWS's per-shard write limits (1000 records/s and 1 MB/s, per one-second window).

For each mode, a fresh stream of --shards shards, a fresh proxy and a fresh sluice (HTTP log
statements in, kinesis out, default settings). A producer offers 25% more lines a second than
the stream can take in that mode for --seconds; after a warm-up of --warmup seconds the script
measures, from the proxy's per-second counts, the Kinesis records admitted per shard per second,
and from sluice, the lines delivered per shard per second and its CPU seconds (user+system, all
threads, /proc) per million lines. Then it lets the backlog drain, reads every shard back
(GetRecords; KPL records decoded with tests/e2e/kpl_decode.py) and counts lost and duplicated
lines. It prints one line per mode and the ratio of kpl's lines/s to none's.

    python3 bench/kinesis_bench.py --sluice build/release/sluice [--shards 2] [--seconds 30]
        [--warmup 5] [--line-bytes 32] [--modes none,kpl]

Bars (issue 5): none >= 95% of the per-shard record limit with 0 lost; kpl >= 20x the lines/s
of none on the same shards. Everything listens on 127.0.0.1; processes are stopped by PID.
"""

import argparse
import collections
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import kpl_decode  # noqa: E402
from harness import Sluice, offer_log_statements, service_toml, wait_until  # noqa: E402
from kinesis_peers import (Kinesalite, KinesisClient, ThrottleProxy,  # noqa: E402
                           kinesis_endpoint_toml)

RECORDS_LIMIT = 1000
BYTES_LIMIT = 1000 * 1000


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_mode(mode, args, workdir):
    shards = args.shards
    # Per line in an aggregate: the data, its protobuf framing (about 6 bytes) and nothing else,
    # since every line of a shard shares the partition key "kin" of the key table.
    capacity_lines = shards * (RECORDS_LIMIT if mode == "none"
                               else BYTES_LIMIT // (args.line_bytes + 6))
    offered = int(capacity_lines * 1.25)
    with Kinesalite() as k, ThrottleProxy(k.endpoint_url) as proxy:
        client = KinesisClient(k.endpoint_url)
        stream = "bench-" + mode
        client.create_stream(stream, shards)
        client.wait_active(stream)
        svc = service_toml("svc", kinesis_endpoint_toml(
            "kin", stream, proxy.endpoint_url, 'aggregation = "%s"' % mode, "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", placement_none=True))
        sl = Sluice(os.path.abspath(args.sluice), workdir, stream, svc, storage=False)
        try:
            total = offered * args.seconds
            pad = "q" * max(0, args.line_bytes - 9)
            t0 = time.time()
            producer = offer_log_statements(sl, "svc", "kin", offered, total,
                                            lambda i: "%08d %s" % (i, pad))
            time.sleep(args.warmup)
            st0, cpu0, w0 = sl.endpoint_status("kin"), cpu_seconds(sl.proc.pid), time.time()
            hist_from = int(time.time())
            producer.join()
            st1, cpu1, w1 = sl.endpoint_status("kin"), cpu_seconds(sl.proc.pid), time.time()
            hist_to = int(time.time())
            behind = time.time() - t0 > args.seconds * 1.1
            stats = proxy.stats()
            window = [h for h in stats["history"] if hist_from < h["second"] < hist_to]
            records = sum(h["admitted"] for h in window) / max(1, len(window))
            throttled = sum(h["throttled"] for h in window)
            seen = sum(h["seen"] for h in window)
            lines = (st1["delivered"] - st0["delivered"]) / (w1 - w0)
            cpu_per_million = (cpu1 - cpu0) / max(1, st1["delivered"] - st0["delivered"]) * 1e6

            wait_until(lambda: sl.endpoint_status("kin")["delivered"] >= total, 300, "drain")
            got = client.read_all(stream)
            counts = collections.Counter()
            for rs in got.values():
                for r in rs:
                    parts = kpl_decode.decode(r["data"]) if mode == "kpl" else None
                    datas = [p[2] for p in parts] if parts is not None else [r["data"]]
                    for d in datas:
                        counts[d[:8]] += 1
            lost = total - len(counts)
            dups = sum(n - 1 for n in counts.values() if n > 1)
            result = {
                "mode": mode, "records_per_shard": records / shards,
                "lines_per_shard": lines / shards, "cpu_per_million": cpu_per_million,
                "throttled": throttled, "seen": seen, "lost": lost, "dups": dups,
                "lines": total, "producer_behind": behind,
            }
            print("%-4s: %7.0f Kinesis records/s per shard (%5.1f%% of %d), %8.0f lines/s per "
                  "shard, %.2f CPU-s per million lines, throttled %d of %d entries, %d lines: "
                  "%d lost, %d duplicated%s" % (
                      mode, result["records_per_shard"],
                      100.0 * result["records_per_shard"] / RECORDS_LIMIT, RECORDS_LIMIT,
                      result["lines_per_shard"], cpu_per_million, throttled, seen, total, lost,
                      dups, " (producer fell behind)" if behind else ""), flush=True)
            return result
        finally:
            sl.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", default="build/release/sluice")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--line-bytes", type=int, default=32)
    ap.add_argument("--modes", default="none,kpl")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="sluice-kbench-")
    results = {}
    try:
        for mode in args.modes.split(","):
            results[mode] = run_mode(mode, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if "none" in results and "kpl" in results:
        ratio = results["kpl"]["lines_per_shard"] / max(1, results["none"]["lines_per_shard"])
        print("kpl / none: %.1fx the lines per shard per second" % ratio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
