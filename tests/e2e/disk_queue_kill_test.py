#!/usr/bin/env python3
"""Disk queues under kill -9, end to end: HTTP ingest into a syslog endpoint with [storage] dir
set, and a small TCP receiver (a separate process) that appends every line it gets to a file.

  1. ingest kill: RECORDS log statements are posted while the receiver is down; sluice is
     killed with SIGKILL at a random point during ingest and restarted; the client goes on
     (re-posting a batch whose answer it never got). Then the receiver starts: every line
     answered 202 must arrive. Duplicates are allowed, and counted and reported.
  2. delivery kill: the receiver is up and the backlog is draining; SIGKILL at a random point
     of the delivery, restart, everything arrives.
  3. loop: LOOP_KILLS random kill points while ingest and delivery both run; zero loss.
  4. torn write + corruption: with the receiver down, sluice is stopped, the last segment is
     cut at a random byte offset and a byte in the middle of a record is changed; `sluice queue
     inspect` reports both, sluice starts, counts them in /metrics, and delivers exactly the
     rest. Then `sluice queue replay --from` re-sends the acknowledged records (keep_acked).
  5. disk full: storage dir on a small tmpfs (skipped when mounting is not allowed): the disk
     fills, sluice reports it and answers 503/holds requests, does not crash; the receiver
     starts, space returns, everything accepted arrives.

    python3 tests/e2e/disk_queue_kill_test.py --sluice build/release/sluice [--records 200000]

Everything listens on 127.0.0.1 on free ports and lives in a temporary directory; processes are
stopped by PID. Environment: SLUICE_KILL_RECORDS (default 200000) and SLUICE_LOOP_KILLS
(default 20) scale the run; see docs/operations.md for a bigger manual run.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import can_connect, free_port, http, metric, wait_until  # noqa: E402

RECEIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "line_receiver.py")


class Receiver:
    def __init__(self, workdir, port):
        self.port, self.path, self.proc = port, os.path.join(workdir, "received.log"), None
        self.delay = 0.0

    def start(self):
        self.proc = subprocess.Popen([sys.executable, RECEIVER, str(self.port), self.path,
                                      str(self.delay)])
        wait_until(lambda: can_connect(self.port), 10, "the receiver")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def lines(self):
        try:
            with open(self.path, "rb") as f:
                return f.read().decode().splitlines()
        except FileNotFoundError:
            return []


CONFIG = """
shutdown_grace = "1s"
[api]
listen = "127.0.0.1:{api}"

[storage]
dir = "{storage}"
fsync = "{fsync}"
segment_bytes = "{segment}"
keep_acked = "{keep}"

[[source]]
type = "http"
listen = "127.0.0.1:{http}"
max_body_bytes = 4194304

[[service]]
id = "svc1"
  [[service.logging]]
  type = "syslog"
  name = "out"
  address = "127.0.0.1"
  port = {recv}
  message_type = "blank"
  placement = "none"
  max_backoff = "0.2s"
"""


class Sluice:
    def __init__(self, binary, workdir, recv_port, storage=None, fsync="interval",
                 segment="1MiB", keep="0"):
        self.binary, self.workdir = binary, workdir
        self.api, self.http = free_port(), free_port()
        self.storage = storage or os.path.join(workdir, "storage")
        self.config = os.path.join(workdir, "sluice.toml")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(api=self.api, http=self.http, storage=self.storage, fsync=fsync,
                                  segment=segment, keep=keep, recv=recv_port))
        self.proc, self.log = None, os.path.join(workdir, "sluice.log")
        self.starts = 0

    def start(self):
        self.starts += 1
        with open(self.log, "a") as log:
            log.write("---- start %d\n" % self.starts)
            log.flush()
            self.proc = subprocess.Popen([self.binary, "run", "-c", self.config], stdout=log,
                                         stderr=log)
        wait_until(lambda: self.proc.poll() is not None or can_connect(self.http), 20,
                   "sluice to listen")
        if self.proc.poll() is not None:
            raise AssertionError("sluice exited at start:\n" + self.tail())

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self):
        with open(self.log) as f:
            return "".join(f.readlines()[-30:])


class Client:
    """Posts `total` numbered log statements in batches; remembers which were answered 202.
    A batch whose answer never came (sluice died) is posted again after the restart."""

    def __init__(self, sluice, total, batch=500, prefix="m", pad=0):
        self.sluice, self.total, self.batch, self.prefix = sluice, total, batch, prefix
        self.pad = "-" * pad
        self.accepted = set()
        self.next = 0
        self.errors = 0

    def body(self, first, n):
        return "".join("syslog svc1 out :: %s%07d%s\n" % (self.prefix, i, self.pad)
                       for i in range(first, first + n)).encode()

    def post_one(self):
        """One batch; returns False when sluice did not answer 202 (the batch is retried)."""
        n = min(self.batch, self.total - self.next)
        try:
            status, _ = http(self.sluice.http, "/ingest/logs", self.body(self.next, n), 10)
        except (OSError, urllib.error.URLError):
            self.errors += 1
            return False
        if status != 202:
            self.errors += 1
            return False
        self.accepted.update("%s%07d%s" % (self.prefix, i, self.pad)
                             for i in range(self.next, self.next + n))
        self.next += n
        return True

    def done(self):
        return self.next >= self.total

    def run_until(self, stop_event):
        while not self.done() and not stop_event.is_set():
            if not self.post_one():
                time.sleep(0.02)


def verify(name, accepted, received_lines, failures):
    counts = {}
    for line in received_lines:
        counts[line] = counts.get(line, 0) + 1
    lost = [m for m in accepted if m not in counts]
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    print("%s: accepted %d, received %d lines (%d distinct), lost %d, duplicates %d" %
          (name, len(accepted), len(received_lines), len(counts), len(lost), duplicates))
    if lost:
        failures.append("%s: %d accepted line(s) lost, e.g. %s" % (name, len(lost),
                                                                    sorted(lost)[:5]))
    return duplicates


def wait_delivered(receiver, accepted, timeout):
    def all_there():
        got = set(receiver.lines())
        return accepted <= got
    try:
        wait_until(all_there, timeout, "delivery")
    except AssertionError:
        pass


def scenario_ingest_kill(args, workdir, records, failures):
    recv = Receiver(workdir, free_port())
    s = Sluice(args.sluice, workdir, recv.port)
    s.start()
    client = Client(s, records)
    stop = threading.Event()
    t = threading.Thread(target=client.run_until, args=(stop,))
    t.start()
    # A random point during ingest: after a random share of the records was accepted.
    kill_at = random.randint(records // 10, records * 9 // 10)
    wait_until(lambda: len(client.accepted) >= kill_at or client.done(), 120, "ingest progress")
    s.kill9()
    killed_with = len(client.accepted)
    time.sleep(0.3)
    s.start()
    t.join(timeout=300)
    stop.set()
    if not client.done():
        failures.append("ingest kill: the client did not finish")
    print("ingest kill: SIGKILL after %d of %d records accepted" % (killed_with, records))
    recv.start()
    wait_delivered(recv, client.accepted, 180)
    verify("ingest kill", client.accepted, recv.lines(), failures)
    return s, recv, client


def scenario_delivery_kill(args, s, recv, client, failures):
    # Let the syslog sink acknowledge the first wave (it holds acks for 1 s after the receiver's
    # TCP acknowledged the bytes); otherwise stopping the receiver resends it, legitimately.
    wait_until(lambda: metric(s.api, "sluice_endpoint_queue_lines") == 0, 60, "acks")
    # Queue a second wave with the receiver down, then kill while it drains.
    recv.stop()
    os.rename(recv.path, recv.path + ".1")
    wave = Client(s, client.total, prefix="d")
    stop = threading.Event()
    wave.run_until(stop)
    recv.delay = 0.004  # about 1 MB/s
    recv.start()
    target = random.randint(len(wave.accepted) // 10, len(wave.accepted) * 8 // 10)
    wait_until(lambda: len(recv.lines()) >= target, 120, "delivery progress")
    s.kill9()
    print("delivery kill: SIGKILL after %d of %d lines delivered" % (len(recv.lines()),
                                                                     len(wave.accepted)))
    s.start()
    recv.stop()
    recv.delay = 0.0
    recv.start()
    wait_delivered(recv, wave.accepted, 180)
    verify("delivery kill", wave.accepted, recv.lines(), failures)
    s.stop()
    recv.stop()


def scenario_loop(args, workdir, records, kills, failures):
    recv = Receiver(workdir, free_port())
    s = Sluice(args.sluice, workdir, recv.port)
    recv.start()
    s.start()
    client = Client(s, records, batch=200, prefix="L")
    stop = threading.Event()
    t = threading.Thread(target=client.run_until, args=(stop,))
    t.start()
    for i in range(kills):
        # The syslog sink acknowledges a line 1 s (its ack hold) after the receiver's TCP has
        # it: kills closer together than that make everything in flight come again, which is
        # allowed (duplicates) but says little. Mix both.
        time.sleep(random.uniform(0.1, 2.0))
        s.kill9()
        s.start()
    t.join(timeout=300)
    stop.set()
    wait_delivered(recv, client.accepted, 180)
    dups = verify("loop (%d kills)" % kills, client.accepted, recv.lines(), failures)
    s.stop()
    recv.stop()
    return dups


def parse_segment(path):
    """(offset, length) of each valid record, as sluice frames them."""
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 0
    while off + 16 <= len(data):
        (length,) = struct.unpack_from("<I", data, off)
        if off + 16 + length > len(data):
            break
        out.append((off, length, data[off + 16:off + 16 + length].decode()))
        off += 16 + length
    return out


def scenario_torn_and_corrupt(args, workdir, failures):
    recv = Receiver(workdir, free_port())
    s = Sluice(args.sluice, workdir, recv.port, segment="256KiB", keep="64MiB")
    s.start()
    client = Client(s, 20000, prefix="t")
    client.run_until(threading.Event())
    s.stop()
    qdir = os.path.join(s.storage, "svc1", "out")
    segs = sorted(f for f in os.listdir(qdir) if f.endswith(".seg"))
    if len(segs) < 2:
        failures.append("torn: expected several segments, got %s" % segs)
        return
    first, last = os.path.join(qdir, segs[0]), os.path.join(qdir, segs[-1])
    first_records, last_records = parse_segment(first), parse_segment(last)
    # Corrupt one byte inside the payload of a record in the middle of the first segment.
    victim = first_records[len(first_records) // 2]
    with open(first, "r+b") as f:
        f.seek(victim[0] + 16 + 2)
        f.write(b"#")
    # Cut the last segment at a random offset inside one of its last records.
    cut_record = random.randrange(max(0, len(last_records) - 20), len(last_records))
    off, length, _ = last_records[cut_record]
    cut = random.randint(off + 1, off + 16 + length - 1)
    with open(last, "r+b") as f:
        f.truncate(cut)
    expected = set(client.accepted) - {victim[2].split(":: ")[-1]}
    expected -= {r[2].split(":: ")[-1] for r in last_records[cut_record:]}
    lost_on_purpose = len(client.accepted) - len(expected)

    out = subprocess.run([args.sluice, "queue", "inspect", s.storage], capture_output=True,
                         text=True)
    print("queue inspect:", out.stdout.strip())
    if out.returncode != 0 or "corrupt 1 " not in out.stdout or "torn_tail yes" not in out.stdout:
        failures.append("torn: inspect did not report the damage: %r %r" % (out.stdout,
                                                                             out.stderr))
    s.start()
    torn = metric(s.api, "sluice_endpoint_recovered_torn_records_total")
    corrupt = metric(s.api, "sluice_endpoint_corrupt_records_skipped_total")
    if torn != 1 or corrupt != 1:
        failures.append("torn: metrics torn=%s corrupt=%s, want 1 and 1" % (torn, corrupt))
    recv.start()
    wait_delivered(recv, expected, 120)
    got = recv.lines()
    verify("torn+corrupt (%d records cut off on purpose)" % lost_on_purpose, expected, got,
           failures)
    unexpected = set(got) - expected
    if unexpected:
        failures.append("torn: delivered damaged or cut-off records: %s" % sorted(unexpected)[:5])
    wait_until(lambda: metric(s.api, "sluice_endpoint_queue_lines") == 0, 30, "an empty queue")
    s.stop()

    # Replay what was acknowledged in the last hour: keep_acked kept it.
    recv.stop()
    os.rename(recv.path, recv.path + ".before-replay")
    out = subprocess.run([args.sluice, "queue", "replay", "svc1/out", "--from", "1h", "-c",
                          s.config], capture_output=True, text=True)
    print("queue replay:", out.stdout.strip(), out.stderr.strip())
    m = re.search(r"(\d+) record\(s\) re-queued", out.stdout)
    if out.returncode != 0 or not m or int(m.group(1)) < len(expected):
        failures.append("replay: %r %r" % (out.stdout, out.stderr))
    s.start()
    recv.start()
    wait_delivered(recv, expected, 120)
    verify("replay", expected, recv.lines(), failures)
    s.stop()
    recv.stop()


def scenario_disk_full(args, workdir, failures):
    mnt = os.path.join(workdir, "tmpfs")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("disk full: SKIPPED (cannot mount a tmpfs: %s); the unit test "
              "DiskQueue.DiskFull* covers ENOSPC by injection" % r.stderr.strip())
        return
    try:
        recv = Receiver(workdir, free_port())
        s = Sluice(args.sluice, workdir, recv.port, storage=os.path.join(mnt, "q"),
                   segment="256KiB")
        s.start()
        client = Client(s, 30000, batch=500, prefix="f", pad=100)
        # 30000 records of 124 framed bytes: 3.7 MB, more than the 3 MiB tmpfs holds.
        deadline = time.monotonic() + 60
        while not client.done() and time.monotonic() < deadline:
            if not client.post_one():
                if metric(s.api, "sluice_endpoint_disk_full_errors_total") > 0:
                    break
        full_errors = metric(s.api, "sluice_endpoint_disk_full_errors_total")
        print("disk full: %d accepted before the disk filled; disk_full_errors %d" %
              (len(client.accepted), full_errors))
        if full_errors < 1:
            failures.append("disk full: no disk_full_errors counted")
        if not s.alive():
            failures.append("disk full: sluice died:\n" + s.tail())
            return
        recv.start()
        # Delivery frees segments; the held request and further posts then succeed.
        stop = threading.Event()
        t = threading.Thread(target=client.run_until, args=(stop,))
        t.start()
        t.join(timeout=120)
        stop.set()
        wait_delivered(recv, client.accepted, 120)
        verify("disk full", client.accepted, recv.lines(), failures)
        if not client.done():
            failures.append("disk full: ingest did not resume after space returned")
        s.stop()
        recv.stop()
    finally:
        subprocess.run(["umount", "-l", mnt])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--records", type=int,
                    default=int(os.environ.get("SLUICE_KILL_RECORDS", "200000")))
    ap.add_argument("--loop-kills", type=int,
                    default=int(os.environ.get("SLUICE_LOOP_KILLS", "20")))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    random.seed(args.seed)
    print("seed %d" % args.seed)
    workdir = tempfile.mkdtemp(prefix="sluice_disk_e2e_")
    failures = []
    procs = []
    try:
        started = time.monotonic()
        d1 = os.path.join(workdir, "kill")
        os.makedirs(d1)
        s, recv, client = scenario_ingest_kill(args, d1, args.records, failures)
        procs += [s, recv]
        scenario_delivery_kill(args, s, recv, client, failures)
        d2 = os.path.join(workdir, "loop")
        os.makedirs(d2)
        scenario_loop(args, d2, max(args.records // 10, 5000), args.loop_kills, failures)
        d3 = os.path.join(workdir, "torn")
        os.makedirs(d3)
        scenario_torn_and_corrupt(args, d3, failures)
        d4 = os.path.join(workdir, "full")
        os.makedirs(d4)
        scenario_disk_full(args, d4, failures)
        print("total %.1fs" % (time.monotonic() - started))
    except AssertionError as e:
        failures.append(str(e))
    finally:
        for p in procs:
            try:
                p.stop()
            except Exception:  # cleanup only
                pass
    if failures:
        print("FAILED (seed %d):" % args.seed)
        for f in failures:
            print("  " + f)
        print("logs kept in", workdir)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
