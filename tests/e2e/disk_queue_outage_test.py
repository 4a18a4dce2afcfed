#!/usr/bin/env python3
"""A destination outage under load, end to end (issue 6, "Outage"): the receiver is down for
OUTAGE seconds while HTTP ingest runs at RATE events/s into a syslog endpoint with a disk queue;
then the receiver comes up and the backlog drains while ingest goes on at the same rate.

Checked:
  - every event answered 202 arrives (loss must be zero; duplicates are allowed by
    at-least-once, and are counted and reported);
  - sluice's resident memory (VmRSS, sampled every 0.5 s from /proc) stays under RSS_LIMIT MB
    throughout: the backlog lives on disk, not in memory;
  - ingest kept the pace (a disk queue that slowed the sources down would fail the point);
  - the backlog drains: the queue is back to (near) empty while ingest still runs.

    python3 tests/e2e/disk_queue_outage_test.py --sluice build/release/sluice

Environment (the defaults are the issue's): SLUICE_OUTAGE_SECONDS (120), SLUICE_OUTAGE_RATE
(20000 events/s), SLUICE_OUTAGE_RSS_MB (200). The whole run takes about OUTAGE + 60 s; under
ctest it runs serially with its own longer timeout (tests/CMakeLists.txt).

The receiver is a separate process (so that the client's pacing does not share an interpreter
with it) that appends every line to a file. Everything listens on 127.0.0.1 on free ports,
lives in a temporary directory, and is stopped by PID.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import INGEST_HEADERS, can_connect, free_port, http, metric, wait_until  # noqa: E402

RECEIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "line_receiver.py")

CONFIG = """
shutdown_grace = "1s"
[api]
listen = "127.0.0.1:{api}"

[storage]
dir = "{storage}"
fsync = "interval"

[[source]]
type = "http"
listen = "127.0.0.1:{http}"

[[service]]
id = "svc1"
  [[service.logging]]
  type = "syslog"
  name = "out"
  address = "127.0.0.1"
  port = {recv}
  message_type = "blank"
  placement = "none"
  max_backoff = "1s"
"""

# An event: a sequence number the verifier parses back, padded to a realistic access-log size.
PAD = "GET /api/v1/items?page=3 HTTP/1.1 200 5123 0.012 x.example.com 192.0.2.7 NRT HIT " * 2
LINE_RE = re.compile(rb"^o(\d{9}) ")


def vm_rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class RssSampler(threading.Thread):
    """VmRSS of one process every `period` seconds, tagged with the phase it was taken in."""

    def __init__(self, pid, period=0.5):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.phase = "start"
        self.samples = []  # (seconds since start, phase, MB)
        self.stop_event = threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self.stop_event.is_set():
            mb = vm_rss_mb(self.pid)
            if mb is not None:
                self.samples.append((time.monotonic() - self.t0, self.phase, mb))
            self.stop_event.wait(self.period)

    def max(self, phase=None):
        values = [mb for _, p, mb in self.samples if phase in (None, p)]
        return max(values) if values else 0.0


class PacedClient(threading.Thread):
    """Posts numbered events at `rate` per second in batches of up to `batch`, on a schedule
    (each post sends what is due, so a slow answer is caught up, never silently skipped).
    A batch not answered 202 is posted again; accepted ranges are kept as (first, count)."""

    def __init__(self, port, rate, batch=1000):
        super().__init__(daemon=True)
        self.port, self.rate, self.batch = port, rate, batch
        self.next = 0
        self.accepted = []
        self.rejected = 0
        self.stop_event = threading.Event()
        self.started = self.stopped = None
        self.conn = None

    def body(self, first, n):
        return "".join("syslog svc1 out :: o%09d %s\n" % (i, PAD)
                       for i in range(first, first + n)).encode()

    def post(self, body):
        # One kept-alive connection: the pacing should measure sluice, not TCP handshakes.
        import http.client
        for _ in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request("POST", "/ingest/logs", body, INGEST_HEADERS)
                resp = self.conn.getresponse()
                resp.read()
                return resp.status
            except (OSError, http.client.HTTPException):
                if self.conn:
                    self.conn.close()
                self.conn = None
        return 0

    def run(self):
        self.started = time.monotonic()
        while not self.stop_event.is_set():
            due = int((time.monotonic() - self.started) * self.rate) - self.next
            if due <= 0:
                time.sleep(0.005)
                continue
            n = min(due, self.batch)
            status = self.post(self.body(self.next, n))
            if status == 202:
                self.accepted.append((self.next, n))
                self.next += n
            else:
                self.rejected += 1
                time.sleep(0.05)
        self.stopped = time.monotonic()

    def accepted_count(self):
        return self.next

    def achieved_rate(self):
        end = self.stopped or time.monotonic()
        return self.next / max(end - self.started, 1e-9)


class LineCounter:
    """Counts the lines of a growing file, reading each byte once."""

    def __init__(self, path):
        self.path, self.f, self.lines = path, None, 0

    def poll(self):
        if self.f is None:
            try:
                self.f = open(self.path, "rb")
            except FileNotFoundError:
                return 0
        while True:
            chunk = self.f.read(8 << 20)
            if not chunk:
                return self.lines
            self.lines += chunk.count(b"\n")


def tally(path, total):
    """Per sequence number, how often it arrived; and lines that are not ours."""
    seen = bytearray(total)
    dups = foreign = 0
    with open(path, "rb") as f:
        for line in f:
            m = LINE_RE.match(line)
            n = int(m.group(1)) if m else -1
            if not 0 <= n < total:
                foreign += 1
            elif seen[n]:
                dups += 1
                if seen[n] < 255:
                    seen[n] += 1
            else:
                seen[n] = 1
    return seen, dups, foreign


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--outage", type=float,
                    default=float(os.environ.get("SLUICE_OUTAGE_SECONDS", "120")))
    ap.add_argument("--rate", type=int, default=int(os.environ.get("SLUICE_OUTAGE_RATE", "20000")))
    ap.add_argument("--rss-limit", type=float,
                    default=float(os.environ.get("SLUICE_OUTAGE_RSS_MB", "200")))
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="sluice_outage_e2e_")
    api, http_port, recv_port = free_port(), free_port(), free_port()
    config = os.path.join(workdir, "sluice.toml")
    storage = os.path.join(workdir, "storage")
    with open(config, "w") as f:
        f.write(CONFIG.format(api=api, http=http_port, recv=recv_port, storage=storage))
    received = os.path.join(workdir, "received.log")
    failures = []
    sluice = receiver = None
    sampler = client = None
    try:
        with open(os.path.join(workdir, "sluice.log"), "w") as log:
            sluice = subprocess.Popen([args.sluice, "run", "-c", config], stdout=log, stderr=log)
        wait_until(lambda: sluice.poll() is not None or can_connect(http_port), 20, "sluice")
        if sluice.poll() is not None:
            raise AssertionError("sluice exited at start")
        sampler = RssSampler(sluice.pid)
        sampler.start()
        print("outage: receiver down for %.0f s, ingest at %d events/s (%d bytes per event)" %
              (args.outage, args.rate, len(PAD) + 33), flush=True)

        sampler.phase = "outage"
        client = PacedClient(http_port, args.rate)
        client.start()
        t_outage = time.monotonic()
        next_report = t_outage + 30
        while time.monotonic() - t_outage < args.outage:
            time.sleep(0.5)
            if sluice.poll() is not None:
                raise AssertionError("sluice died during the outage")
            if time.monotonic() >= next_report:
                next_report += 30
                print("  %3.0f s: accepted %d, rss %.1f MB, disk %.0f MB" %
                      (time.monotonic() - t_outage, client.accepted_count(), sampler.max("outage"),
                       metric(api, "sluice_endpoint_disk_bytes") / 1e6), flush=True)
        backlog = metric(api, "sluice_endpoint_queue_lines")
        disk_mb = metric(api, "sluice_endpoint_disk_bytes") / 1e6
        print("end of outage: accepted %d (%.0f/s), backlog %d lines, %.0f MB on disk, "
              "rss max %.1f MB" % (client.accepted_count(), client.achieved_rate(), backlog,
                                   disk_mb, sampler.max("outage")), flush=True)

        # The receiver comes up; ingest goes on at the same rate until the backlog is gone.
        sampler.phase = "drain"
        receiver = subprocess.Popen([sys.executable, RECEIVER, str(recv_port), received])
        wait_until(lambda: can_connect(recv_port), 10, "the receiver")
        t_up = time.monotonic()
        drain_limit = max(60.0, args.outage * 1.5)
        drained_at = None
        while time.monotonic() - t_up < drain_limit:
            time.sleep(0.5)
            if sluice.poll() is not None:
                raise AssertionError("sluice died during the drain")
            # Drained: no more than about a second of ingest waits (the syslog sink holds
            # delivered lines for its 1 s ack hold before it acknowledges them).
            if metric(api, "sluice_endpoint_queue_lines") <= 2 * args.rate:
                drained_at = time.monotonic() - t_up
                break
        if drained_at is None:
            failures.append("the backlog did not drain within %.0f s while ingest ran at %d/s "
                            "(queue %d lines)" % (drain_limit, args.rate,
                                                  metric(api, "sluice_endpoint_queue_lines")))
        else:
            # A little more steady state after the drain, then ingest stops.
            time.sleep(3)
        client.stop_event.set()
        client.join(timeout=60)
        total = client.accepted_count()
        counter = LineCounter(received)
        wait_until(lambda: counter.poll() >= total, 120, "every accepted event at the receiver")
        sampler.phase = "settled"
        time.sleep(1.5)
        print("drain: backlog gone %s s after the receiver came up; ingest %.0f events/s over "
              "%.0f s, %d posts not answered 202" %
              ("%.1f" % drained_at if drained_at is not None else "never", client.achieved_rate(),
               client.stopped - client.started, client.rejected), flush=True)

        seen, dups, foreign = tally(received, total)
        lost = seen.count(0)
        print("delivery: accepted %d, received %d lines, lost %d, duplicates %d, foreign %d" %
              (total, counter.lines, lost, dups, foreign))
        if lost:
            failures.append("%d accepted event(s) lost, first #%d" % (lost, seen.index(0)))
        if foreign:
            failures.append("%d line(s) at the receiver that were never sent" % foreign)
        if client.achieved_rate() < 0.95 * args.rate:
            failures.append("ingest fell behind: %.0f events/s of %d" %
                            (client.achieved_rate(), args.rate))

        sampler.stop_event.set()
        sampler.join()
        rss_max = sampler.max()
        print("rss: max %.1f MB (outage %.1f, drain %.1f, settled %.1f), %d samples; limit %.0f MB"
              % (rss_max, sampler.max("outage"), sampler.max("drain"), sampler.max("settled"),
                 len(sampler.samples), args.rss_limit))
        if rss_max >= args.rss_limit:
            failures.append("RSS reached %.1f MB, limit %.0f MB" % (rss_max, args.rss_limit))
        if len(sampler.samples) < args.outage:
            failures.append("only %d RSS samples" % len(sampler.samples))
    except AssertionError as e:
        failures.append(str(e))
    finally:
        if client:
            client.stop_event.set()
        if sampler:
            sampler.stop_event.set()
        for p in (sluice, receiver):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM if p is sluice else signal.SIGKILL)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    if failures:
        print("FAILED:")
        for f in failures:
            print("  " + f)
        print("logs kept in", workdir)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
