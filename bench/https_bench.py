#!/usr/bin/env python3
"""Throughput of the https endpoint (issue 4's benchmark): syslog/TCP in, https out.

A file of N log statements whose messages are 300-byte JSON access-log lines is sent with socat
to a fresh sluice (syslog TCP source -> https endpoint, json_format 2) that delivers to
bench/count_server.js (Node, accepts and discards, counts requests, bytes and lines). For each
codec the script measures, from the moment socat starts, the time until sluice reports every line
delivered, and prints lines/s, MB/s of uncompressed lines, wire MB/s, requests, and sluice's CPU
seconds (user+system, all threads) and lines per CPU-second. With --runs N, each round runs
every codec once (interleaved, so that a noisy machine hits all alike) and the medians follow.

    python3 bench/https_bench.py --sluice build/release/sluice --lines 500000 \
        --codecs none,gzip,zstd --runs 3 [--cpu 1] [--gzip-level 1] [--payload padded] \
        [--perf build/release/perf/https]

Everything listens on 127.0.0.1; processes are stopped by PID. The figures, and what limits
each codec from a perf profile, are in docs/operations.md, "Performance".
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15",
    "curl/8.4.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/119.0",
]
STATES = ["HIT", "MISS", "PASS", "HIT-STALE"]


def access_line(i, size, rng):
    """A JSON access-log line of `size` bytes: fixed keys, values that vary as traffic does.

    It compresses about as access logs do (gzip ~4.5:1), unlike a constant padding,
    which compresses ~300:1 and makes gzip look far cheaper than it is."""
    x = rng.getrandbits(64)
    body = ('{"timestamp":"2026-11-21T08:%02d:%02d+0000","client_ip":"198.51.%d.%d",'
            '"url":"/assets/%x/item?id=%d","status":%d,"bytes":%d,"state":"%s",'
            '"ua":"%s","host":"www.example.com","pad":"'
            % ((i // 60) % 60, i % 60, x & 255, (x >> 8) & 255, (x >> 16) & 0xFFFFF,
               (x >> 36) % 100000, 404 if (x >> 52) % 8 == 0 else 200, (x >> 20) % 250000,
               STATES[(x >> 40) % 4], AGENTS[(x >> 44) % 4]))
    pad = max(0, size - len(body) - 2)
    return body + ("%x" % rng.getrandbits(4 * pad + 4))[:pad].rjust(pad, "0") + '"}'


def padded_line(i, size, rng):
    """The first benchmark's line: a counter and constant padding (compresses ~300:1)."""
    body = '{"i":%d,"host":"www.example.com","pad":"' % i
    return body + "x" * max(0, size - len(body) - 2) + '"}'


def write_workload(path, lines, size, payload):
    import random
    rng = random.Random(4)  # the same workload every time
    make = access_line if payload == "access" else padded_line
    head = "<134>Nov 21 08:00:00 host app: syslog svc1 bench :: "
    with open(path, "wb", buffering=1 << 20) as f:
        batch = []
        for i in range(lines):
            batch.append(head + make(i, size, rng) + "\n")
            if len(batch) == 10000:
                f.write("".join(batch).encode())
                batch.clear()
        f.write("".join(batch).encode())


def delivered(api):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("sluice_endpoint_delivered_total{"):
                return int(float(line.rsplit(" ", 1)[1]))
    return 0


def codec_fields(args, codec):
    if codec == "none":
        return ""
    if codec == "gzip" and args.gzip_level:
        return "gzip_level = %d" % args.gzip_level
    return 'compression_codec = "%s"' % codec


def one_run(args, workdir, workload, codec):
    sink_port, tcp, api = free_port(), free_port(), free_port()
    server = subprocess.Popen(["node", os.path.join(HERE, "count_server.js"),
                               str(sink_port)], stdout=subprocess.DEVNULL)
    config = os.path.join(workdir, "bench.toml")
    with open(config, "w") as f:
        f.write("""
[api]
listen = "127.0.0.1:{api}"
[[source]]
type = "syslog"
listen = "127.0.0.1:{tcp}"
protocol = "tcp"
service = "svc1"
[[service]]
id = "svc1"
  [[service.logging]]
  type = "https"
  name = "bench"
  url = "http://127.0.0.1:{sink}/logs"
  placement = "none"
  json_format = "2"
  period_ms = 200
  request_max_entries = 10000
  queue_max_bytes = "256MiB"
  {codec}
""".format(api=api, tcp=tcp, sink=sink_port,
           codec=codec_fields(args, codec)))
    prefix = ["perf", "record", "-e", "cpu-clock", "-F", "999", "-g",
              "-o", args.perf + "." + codec, "--"] if args.perf else []
    if args.cpu is not None:
        prefix = ["taskset", "-c", str(args.cpu)] + prefix
    sluice = subprocess.Popen(prefix + [args.sluice, "run", "-c", config],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(sink_port)
        wait_port(api)
        wait_port(tcp)
        time.sleep(0.5)  # the challenge
        cpu0 = cpu_seconds(sluice.pid)  # with --perf: perf's own, not sluice's
        t0 = time.monotonic()
        sender = subprocess.Popen(["socat", "-u", "-b", "262144", "OPEN:" + workload,
                                   "TCP:127.0.0.1:%d" % tcp])
        deadline = t0 + args.timeout
        while delivered(api) < args.lines:
            if time.monotonic() > deadline:
                raise RuntimeError("timed out: %d of %d delivered" % (delivered(api), args.lines))
            time.sleep(0.02)
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(sluice.pid) - cpu0
        sender.wait()
        with urllib.request.urlopen("http://127.0.0.1:%d/stats" % sink_port) as r:
            stats = json.loads(r.read())
        return elapsed, cpu, stats
    finally:
        for p in (sluice, server):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluice", required=True)
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--size", type=int, default=300, help="bytes per JSON line")
    p.add_argument("--payload", choices=("access", "padded"), default="access",
                   help="access-log-like lines (default) or constant padding")
    p.add_argument("--codecs", default="none,gzip", help="comma-separated: none, gzip, zstd")
    p.add_argument("--gzip-level", type=int, default=0,
                   help="gzip_level instead of compression_codec's default level")
    p.add_argument("--runs", type=int, default=1,
                   help="rounds; each round runs every codec once, so that noise hits all alike")
    p.add_argument("--cpu", type=int, default=None,
                   help="pin sluice (all its threads) to this one CPU with taskset")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--perf", default="", help="record a perf profile to PERF.<codec>")
    args = p.parse_args()
    codecs = args.codecs.split(",")
    for tool in ("socat", "node") + (("taskset",) if args.cpu is not None else ()):
        if shutil.which(tool) is None:
            sys.exit("https_bench: %s is missing" % tool)
    workdir = tempfile.mkdtemp(prefix="sluice-https-bench-")
    try:
        workload = os.path.join(workdir, "workload.txt")
        write_workload(workload, args.lines, args.size, args.payload)
        line_mb = args.lines * args.size / 1e6
        print("%d %s lines of %d bytes (%.0f MB of lines), json_format 2, http://127.0.0.1%s"
              % (args.lines, args.payload, args.size, line_mb,
                 ", sluice pinned to CPU %d" % args.cpu if args.cpu is not None else ""))
        results = {c: [] for c in codecs}
        for _ in range(args.runs):
            for codec in codecs:
                elapsed, cpu, stats = one_run(args, workdir, workload, codec)
                results[codec].append(args.lines / elapsed)
                print("%-5s %8.0f lines/s %7.1f MB/s lines %7.1f MB/s wire %6d requests  "
                      "sluice cpu %.2fs (%.0f%% of one core, %.0f lines per cpu-second)"
                      % (codec, args.lines / elapsed, line_mb / elapsed,
                         stats["bytes"] / 1e6 / elapsed, stats["requests"], cpu,
                         100 * cpu / elapsed, args.lines / cpu if cpu > 0 else 0), flush=True)
        if args.runs > 1:
            for codec in codecs:
                rate = statistics.median(results[codec])
                print("median %-5s %8.0f lines/s %7.1f MB/s lines  (%d runs)"
                      % (codec, rate, rate * args.size / 1e6, args.runs))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
