#!/usr/bin/env python3
"""sluice against rsyslog as a syslog-over-TCP receiver writing to a file (issue 3, "Benchmark
against rsyslog"). Run it through bench/rsyslog_bench.sh.

Workload: a pre-generated file of N log statements of about 300 bytes in RFC 3164 frames. One
sender bulk-sends it over loopback TCP to each receiver in turn:
    socat -u -b 262144 OPEN:FILE TCP:127.0.0.1:PORT
  - sluice: syslog TCP source -> service svc1, endpoint "bench" of type file, message_type
    blank (the log statement's message is written as it is);
  - rsyslog: imtcp -> omfile with the template "%msg%\\n".
Each run starts a fresh receiver and measures, from the moment socat starts:
  - the time until the last line is in the output file (line count reaches N),
  - msgs/s = N / that time,
  - the receiver's CPU seconds over that time (utime + stime from /proc/PID/stat),
  - its peak RSS (VmHWM from /proc/PID/status).
Runs alternate sluice, rsyslog, sluice, rsyslog... and the table gives each run and the medians.
The bar: sluice >= 1.5x rsyslog's msgs/s, with no more CPU seconds than rsyslog.

--modes picks the receivers (comma-separated, run interleaved in that order), for the disk queue
benchmark of issue 6 (bench/disk_queue_bench.sh):
  - sluice:      as above, the endpoint's queue in memory;
  - sluice-disk: the same with [storage] dir in a fresh directory under the work directory
                 (same disk) and fsync = "interval": every line goes through the disk queue;
  - rsyslog:     as above;
  - rsyslog-da:  the same ruleset with a disk-assisted queue: queue.type="LinkedList" +
                 queue.filename + queue.saveOnShutdown="on", spooling under the work directory.
Its bars: sluice-disk >= 70% of sluice's msgs/s, and >= 1.5x rsyslog-da's.
Forwarding (syslog relay) modes: the receiver forwards to a final receiver,
    socat -u -b 262144 TCP-LISTEN:PORT2,bind=127.0.0.1,reuseaddr,fork OPEN:OUT,creat,append
started before it (fork: rsyslog may open a connection per main queue worker thread), and the
measurements are as above (OUT's line count; the forwarder's CPU and RSS, not socat's):
  - sluice-fwd:  the same syslog TCP source, the endpoint "bench" of type syslog (TCP to
                 127.0.0.1:PORT2, message_type blank);
  - rsyslog-fwd: imtcp -> omfwd (Target 127.0.0.1, Port PORT2, Protocol tcp) with "%msg%\n".

--sluice takes a comma list of binaries, each PATH or LABEL=PATH (LABEL defaults to the file's
name). With more than one, every sluice mode runs once per binary, interleaved in the given
order, labelled MODE@LABEL, and the ratios of each binary to the first are printed, e.g.
    --sluice before=/tmp/sluice-old,after=build/sluice --modes sluice-fwd,rsyslog-fwd
runs sluice-fwd@before, sluice-fwd@after, rsyslog-fwd, sluice-fwd@before, ...
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from procs import terminate

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def port_listening(port):
    """Whether a TCP socket listens on port, without connecting (socat would take the
    connection for the forwarder's)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in list(f)[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    return True
    return False


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        # The command name may contain spaces; fields after it are fixed.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class LineCounter:
    """Counts newlines in a growing file, reading each byte once."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.lines = 0
        self.f = None

    def poll(self):
        if self.f is None:
            try:
                self.f = open(self.path, "rb")
            except FileNotFoundError:
                return self.lines
        while True:
            chunk = self.f.read(8 << 20)
            if not chunk:
                break
            self.lines += chunk.count(b"\n")
        return self.lines

    def close(self):
        if self.f:
            self.f.close()


class Receiver:
    """The measured process; with sink_port, a forwarder to a socat writing out on that port."""

    def __init__(self, name, argv, port, out, workdir, sink_port=None):
        self.name, self.argv, self.port, self.out, self.workdir = name, argv, port, out, workdir
        self.sink_port = sink_port
        self.proc = self.sink = None

    def start(self):
        if self.sink_port:
            self.sink = subprocess.Popen(
                ["socat", "-u", "-b", "262144",
                 f"TCP-LISTEN:{self.sink_port},bind=127.0.0.1,reuseaddr,fork",
                 f"OPEN:{self.out},creat,append"], stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not port_listening(self.sink_port):
                if self.sink.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"socat did not listen on {self.sink_port}")
                time.sleep(0.05)
        log = open(os.path.join(self.workdir, f"{self.name}.log"), "ab")
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 30
        while not port_accepts(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start listening on {self.port}; "
                                   f"see {self.workdir}/{self.name}.log")
            time.sleep(0.05)
        # The probe connection above is gone once the receiver has settled.
        time.sleep(0.3)

    def stop(self):
        for proc in (self.proc, self.sink):
            terminate(proc)


def rsyslog_receiver(rsyslogd, workdir, port, out, name, disk_assisted=False, fwd=False):
    d = os.path.join(workdir, name)
    spool = os.path.join(d, "spool")
    # A fresh spool per run: a disk-assisted queue saved at the last shutdown would be replayed.
    shutil.rmtree(spool, ignore_errors=True)
    os.makedirs(spool, exist_ok=True)
    conf = os.path.join(d, "rsyslog.conf")
    # The ruleset's queue, disk-assisted as issue 6 names it: in memory (LinkedList) until its
    # high watermark, then spilling to files under the work directory; kept on shutdown.
    queue = (f' queue.type="LinkedList" queue.filename="benchq" queue.saveOnShutdown="on"'
             f' queue.spoolDirectory="{spool}"' if disk_assisted else "")
    sink_port = free_port() if fwd else None
    action = (f'type="omfwd" target="127.0.0.1" port="{sink_port}" protocol="tcp"' if fwd
              else f'type="omfile" file="{out}"')
    with open(conf, "w") as f:
        f.write(f'''global(workDirectory="{spool}")
module(load="imtcp")
template(name="msgonly" type="string" string="%msg%\\n")
input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="bench")
ruleset(name="bench"{queue}) {{ action({action} template="msgonly") }}
''')
    pidfile = os.path.join(d, "rsyslogd.pid")
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    return Receiver(name, [rsyslogd, "-n", "-f", conf, "-i", pidfile], port, out, workdir,
                    sink_port)


def sluice_receiver(binary, workdir, port, out, name, disk=False, fwd=False):
    d = os.path.join(workdir, name)
    storage = os.path.join(d, "storage")
    # A fresh queue per run: a backlog left by the previous run would be delivered again.
    shutil.rmtree(storage, ignore_errors=True)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "sluice.toml")
    storage_section = (f'''
[storage]
dir = "{storage}"
fsync = "interval"
''' if disk else "")
    sink_port = free_port() if fwd else None
    endpoint = (f'type = "syslog"\naddress = "127.0.0.1"\nport = {sink_port}' if fwd
                else f'type = "file"\npath = "{out}"')
    with open(conf, "w") as f:
        f.write(f'''[api]
listen = "127.0.0.1:{free_port()}"
{storage_section}
[[source]]
type = "syslog"
listen = "127.0.0.1:{port}"
protocol = "tcp"
service = "svc1"

[[service]]
id = "svc1"

[[service.logging]]
{endpoint}
name = "bench"
message_type = "blank"
format = "%h"
''')
    return Receiver(name, [binary, "run", "-c", conf], port, out, workdir, sink_port)


# mode -> (receiver factory (binary, workdir, port, out, name), rsyslog counterpart)
RECEIVERS = {
    "sluice": (sluice_receiver, "rsyslog"),
    "sluice-disk": (lambda *a: sluice_receiver(*a, disk=True), "rsyslog-da"),
    "sluice-fwd": (lambda *a: sluice_receiver(*a, fwd=True), "rsyslog-fwd"),
    "rsyslog": (rsyslog_receiver, None),
    "rsyslog-da": (lambda *a: rsyslog_receiver(*a, disk_assisted=True), None),
    "rsyslog-fwd": (lambda *a: rsyslog_receiver(*a, fwd=True), None),
}


def bar(label, ratio, minimum):
    print(f"{label}: {ratio:.2f}x (bar >= {minimum:.2f}x): {'MET' if ratio >= minimum else 'NOT MET'}")


def one_run(receiver, workload, lines, timeout):
    if os.path.exists(receiver.out):
        os.unlink(receiver.out)
    receiver.start()
    pid = receiver.proc.pid
    counter = LineCounter(receiver.out)
    try:
        cpu0 = cpu_seconds(pid)
        t0 = time.monotonic()
        sender = subprocess.Popen(["socat", "-u", "-b", "262144", f"OPEN:{workload}",
                                   f"TCP:127.0.0.1:{receiver.port}"])
        n = 0
        while True:
            n = counter.poll()
            if n >= lines:
                break
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"{receiver.name}: only {n} of {lines} lines after {timeout}s")
            time.sleep(0.01)
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(pid) - cpu0
        rss = peak_rss_mib(pid)
        sender.wait(timeout=60)
        return {"seconds": elapsed, "rate": lines / elapsed, "cpu": cpu, "rss": rss}
    finally:
        counter.close()
        receiver.stop()
        if os.path.exists(receiver.out):
            os.unlink(receiver.out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluice", default=os.path.join(HERE, "..", "build", "sluice"),
                   help="comma list of [LABEL=]PATH: each sluice mode runs with each")
    p.add_argument("--rsyslogd", default=shutil.which("rsyslogd") or "/usr/sbin/rsyslogd")
    p.add_argument("--lines", type=int, default=2_000_000)
    p.add_argument("--size", type=int, default=300)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--workdir", help="default: a new directory under /tmp")
    p.add_argument("--only", choices=["sluice", "rsyslog"])
    p.add_argument("--modes", default="sluice,rsyslog",
                   help="comma-separated receivers, run interleaved: " + ", ".join(RECEIVERS))
    args = p.parse_args()
    modes = [args.only] if args.only else args.modes.split(",")
    for m in modes:
        if m not in RECEIVERS:
            p.error(f"unknown mode {m!r}; known: {', '.join(RECEIVERS)}")
    sluices = [s.split("=", 1) if "=" in s else (os.path.basename(s), s)
               for s in args.sluice.split(",")]
    # (name in the table, mode, binary), in the interleaving order
    order = []
    for m in modes:
        if m.startswith("sluice"):
            order += [(m if len(sluices) == 1 else f"{m}@{label}", m, os.path.abspath(path))
                      for label, path in sluices]
        else:
            order.append((m, m, args.rsyslogd))
    width = max(11, *(len(n) for n, _, _ in order))

    workdir = args.workdir or tempfile.mkdtemp(prefix="sluice-rsyslog-bench-")
    os.makedirs(workdir, exist_ok=True)
    workload = os.path.join(workdir, f"workload-{args.lines}-{args.size}.txt")
    if not os.path.exists(workload):
        print(f"generating {args.lines} statements of {args.size} bytes ...", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_syslog_statements.py"), workload,
                        "--lines", str(args.lines), "--size", str(args.size)], check=True,
                       stdout=subprocess.DEVNULL)
    size_mb = os.path.getsize(workload) / 1e6
    print(f"workload: {workload} ({size_mb:.0f} MB)")

    print(f"uptime: {open('/proc/loadavg').read().strip()}")
    results = {n: [] for n, _, _ in order}
    for run in range(1, args.runs + 1):
        for name, mode, binary in order:
            port = free_port()
            out = os.path.join(workdir, f"{name}-out.log")
            receiver = RECEIVERS[mode][0](binary, workdir, port, out, name)
            r = one_run(receiver, workload, args.lines, args.timeout)
            results[name].append(r)
            print(f"run {run} {name:{width}s} {r['seconds']:7.2f} s {r['rate']:>10,.0f} msgs/s "
                  f"cpu {r['cpu']:6.2f} s  peak rss {r['rss']:7.1f} MiB", flush=True)

    print()
    print(f"{'receiver':{width}s} {'time s':>8s} {'msgs/s':>11s} {'cpu s':>7s} {'rss MiB':>8s}"
          "   (medians of runs)")
    med = {}
    for name, _, _ in order:
        rs = results[name]
        med[name] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        m = med[name]
        print(f"{name:{width}s} {m['seconds']:8.2f} {m['rate']:11,.0f} {m['cpu']:7.2f} "
              f"{m['rss']:8.1f}")
    print()

    def ratio(a, b):
        print(f"{a} / {b}: {med[a]['rate'] / med[b]['rate']:.2f}x msgs/s, "
              f"{med[a]['cpu'] / med[b]['cpu']:.2f}x CPU seconds")

    first = {}  # each sluice mode's first binary
    for name, mode, _ in order:
        if not mode.startswith("sluice"):
            continue
        if mode in first:
            ratio(name, first[mode])
        first.setdefault(mode, name)
        # With one binary, the bars below give sluice's and sluice-disk's.
        if RECEIVERS[mode][1] in med and (name != mode or mode == "sluice-fwd"):
            ratio(name, RECEIVERS[mode][1])
    if "sluice" in med and "rsyslog" in med:
        speed = med["sluice"]["rate"] / med["rsyslog"]["rate"]
        cpu = med["sluice"]["cpu"] / med["rsyslog"]["cpu"]
        print(f"sluice / rsyslog: {speed:.2f}x msgs/s, {cpu:.2f}x CPU seconds")
        ok = speed >= 1.5 and cpu <= 1.0
        print(f"bar (>= 1.5x msgs/s, <= 1.0x CPU): {'MET' if ok else 'NOT MET'}")
    if "sluice-disk" in med and "sluice" in med:
        bar("sluice-disk / sluice (memory queue) msgs/s",
            med["sluice-disk"]["rate"] / med["sluice"]["rate"], 0.70)
    if "sluice-disk" in med and "rsyslog-da" in med:
        bar("sluice-disk / rsyslog-da (disk-assisted queue) msgs/s",
            med["sluice-disk"]["rate"] / med["rsyslog-da"]["rate"], 1.5)
        print(f"sluice-disk / rsyslog-da CPU seconds: "
              f"{med['sluice-disk']['cpu'] / med['rsyslog-da']['cpu']:.2f}x")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
