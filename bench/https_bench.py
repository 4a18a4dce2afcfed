#!/usr/bin/env python3
"""Throughput of the https endpoint (issue 4's benchmark): syslog/TCP in, https out.

A file of N log statements whose messages are 300-byte JSON objects is sent with socat to a
fresh sluice (syslog TCP source -> https endpoint, json_format 2) that delivers to
bench/https_discard_server.js (Node, accepts and discards, counts bytes). For each codec (none,
gzip) the script measures, from the moment socat starts, the time until sluice reports every
line delivered, and prints lines/s, MB/s of uncompressed lines, wire MB/s, requests, and
sluice's CPU seconds (user+system, all threads).

    python3 bench/https_bench.py --sluice build/release/sluice [--lines 1000000] [--runs 1]

Everything listens on 127.0.0.1; processes are stopped by PID.

Figures (2026-11-21, this 2-core VM, shared with two other builds, load ~6; 500,000 lines):
  none  ~506,000 lines/s, ~152 MB/s of lines (50 requests of 10,000 lines)
  gzip  ~124,000 lines/s,  ~37 MB/s of lines (level 6; the padded lines compress ~300:1)
With --perf, plain delivery spends its time copying (memmove + kernel copies: queue lease,
body framing, socket), in simdjson validating each line for json_format 2 (~16%), and in the
syslog source's parsing; the gzip run spends ~64% in zlib's deflate, on the sink's one strand:
the gzip limit is one core of deflate at level 6 (gzip_level = 1 or zstd would lift it, as
would compressing on a worker pool).
"""

import argparse
import json
import os
import shutil
import signal
import socket
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


def write_workload(path, lines, size):
    head = "<134>Nov 21 08:00:00 host app: syslog svc1 bench :: "
    with open(path, "wb", buffering=1 << 20) as f:
        batch = []
        for i in range(lines):
            body = '{"i":%d,"host":"www.example.com","pad":"' % i
            pad = max(0, size - len(body) - 2)
            batch.append(head + body + "x" * pad + '"}\n')
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


def one_run(args, workdir, workload, codec):
    sink_port, tcp, api = free_port(), free_port(), free_port()
    server = subprocess.Popen(["node", os.path.join(HERE, "https_discard_server.js"),
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
           codec='compression_codec = "gzip"' if codec == "gzip" else ""))
    prefix = ["perf", "record", "-F", "999", "-g", "-o", args.perf + "." + codec, "--"] \
        if args.perf else []
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
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--perf", default="", help="record a perf profile to PERF.none / PERF.gzip")
    args = p.parse_args()
    for tool in ("socat", "node"):
        if shutil.which(tool) is None:
            sys.exit("https_bench: %s is missing" % tool)
    workdir = tempfile.mkdtemp(prefix="sluice-https-bench-")
    try:
        workload = os.path.join(workdir, "workload.txt")
        write_workload(workload, args.lines, args.size)
        line_mb = args.lines * args.size / 1e6
        print("%d lines of %d bytes (%.0f MB of lines), json_format 2, http://127.0.0.1"
              % (args.lines, args.size, line_mb))
        for codec in ("none", "gzip"):
            for _ in range(args.runs):
                elapsed, cpu, stats = one_run(args, workdir, workload, codec)
                print("%-5s %8.0f lines/s %7.1f MB/s lines %7.1f MB/s wire %6d requests  "
                      "sluice cpu %.2fs (%.0f%% of one core)"
                      % (codec, args.lines / elapsed, line_mb / elapsed,
                         stats["bytes"] / 1e6 / elapsed, stats["requests"], cpu,
                         100 * cpu / elapsed))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
