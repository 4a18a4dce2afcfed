#!/usr/bin/env python3
"""sluice against rsyslog and syslog-ng on the same inputs, in one go: bench/compare.sh runs it.

Workloads (the receivers' configurations are in compare_peers.py):
  W1  N log statements (`syslog svc1 bench :: ...`, ~300-byte RFC 3164 frames, from
      gen_syslog_statements.py) over syslog TCP, written to a file.
  W2  N request records (gen_records.py, ~650 bytes of JSON each) as the MSG of RFC 3164 frames
      (`<134>Nov 21 08:00:00 host app: {json}`) over syslog TCP; each receiver parses the JSON
      and renders the 16-field JSON of reference/seeds/004 (kJson004 in bench_inputs.h) to a
      file.
  W3  the W2 input and rendering, the lines sent as NDJSON over HTTP to bench/count_server.js,
      which counts them. rsyslog: n/a (no omhttp on Debian).
  W4  the same records POSTed to sluice's HTTP ingest (POST /ingest/svc1/requests, NDJSON bodies
      of --body-records records, --clients processes in parallel, keep-alive unless
      --no-keepalive), rendered through kJson004 to a file. sluice only; its bar is W4's CPU
      seconds per record <= 1.3 x W2's.

Each run starts a fresh receiver and measures, from the moment the sender starts until the last
line is in the output file (or counted by the HTTP receiver): msgs/s, the receiver's CPU seconds
(utime + stime of all its threads, /proc/PID/stat), its peak RSS (VmHWM), and the sender's CPU.
The inputs are generated once (deterministic) into --data-dir and reused. Rounds interleave:
every receiver of every workload runs once per round, and the table gives the medians.

    bench/compare.sh                                   # the full suite, table on stdout
    bench/compare.sh --write-docs                      # ... and docs/benchmarks.md
    bench/compare.sh --sluice before=/tmp/old,after=build/release/sluice
    bench/compare.sh --scaling                         # W1, W2 sluice on 1 core vs 2
    bench/compare.sh --workloads W2,W4 --lines 200000 --runs 1
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import compare_peers
import compare_report
from compare_ingest import IngestSender, build_bodies
from rsyslog_bench import LineCounter, cpu_seconds, peak_rss_mib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKLOADS = ("W1", "W2", "W3", "W4")
# Sized so that the whole suite (3 rounds, every receiver) takes about 10 minutes on the 2-vCPU
# machines here (syslog-ng's W2 and W3 runs, ~30 s each, are most of it): docs/benchmarks.md.
DEFAULT_LINES = {"W1": 2_000_000, "W2": 1_000_000, "W3": 1_000_000, "W4": 400_000}
PEERS = ("rsyslog", "syslog-ng")
SYSLOG_HEAD = b"<134>Nov 21 08:00:00 host app: "


# ---------------------------------------------------------------------------------------------
# Inputs, generated once per size and kept in --data-dir

def generated(path, make):
    """Makes `path` with make(tmp) unless it exists and is newer than the generators."""
    gens = [os.path.join(HERE, g) for g in ("gen_records.py", "gen_syslog_statements.py")]
    newest = max(os.path.getmtime(g) for g in gens)
    if os.path.exists(path) and os.path.getmtime(path) >= newest:
        return path
    print(f"generating {path} ...", flush=True)
    tmp = path + ".tmp"
    make(tmp)
    os.replace(tmp, path)
    return path


def records_file(data_dir, n):
    def make(tmp):
        with open(tmp, "wb") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_records.py"), str(n)],
                           stdout=f, check=True)
    return generated(os.path.join(data_dir, f"records-{n}.ndjson"), make)


def syslog_records_file(data_dir, n):
    """W2/W3's input: each record as the MSG of an RFC 3164 frame."""
    src = records_file(data_dir, n)

    def make(tmp):
        with open(src, "rb") as f, open(tmp, "wb", buffering=1 << 20) as out:
            while True:
                lines = f.readlines(8 << 20)
                if not lines:
                    break
                out.write(b"".join(SYSLOG_HEAD + line for line in lines))
    return generated(os.path.join(data_dir, f"records-{n}.syslog"), make)


def statements_file(data_dir, n):
    def make(tmp):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_syslog_statements.py"), tmp,
                        "--lines", str(n)], check=True, stdout=subprocess.DEVNULL)
    return generated(os.path.join(data_dir, f"statements-{n}.syslog"), make)


# ---------------------------------------------------------------------------------------------
# Cases: one receiver on one workload (W4: one body size), run once per round

class Case:
    def __init__(self, workload, kind, name, binary=None, label=None, cpus=None, body=None,
                 conns=1):
        self.workload, self.kind, self.name = workload, kind, name
        self.binary, self.label, self.cpus, self.body = binary, label, cpus, body
        self.conns = conns
        self.row = f"W4 body {body}" if body else workload  # the table's workload column
        self.key = (self.row, name)
        self.na = None  # the reason, once the factory said NotAvailable


def make_cases(args, sluices, cpusets):
    cases = []
    for wl in args.workloads:
        bodies = args.body_records if wl == "W4" else [None]
        # W4's parallelism is --clients; the others run once per --connections value.
        conn_list = [1] if wl == "W4" else args.connections

        def suffix(conns):
            return f" [{conns} conn]" if len(conn_list) > 1 else ""
        for body in bodies:
            for conns in conn_list:
                for label, path in sluices:
                    for cpus in cpusets:
                        name = "sluice" + (f"@{label}" if len(sluices) > 1 else "")
                        if args.scaling:
                            name += f" [cpus {cpus}]"
                        cases.append(Case(wl, "sluice", name + suffix(conns), path, label, cpus,
                                          body, conns))
                if wl != "W4" and not args.scaling:
                    for peer in args.peers:
                        cases.append(Case(wl, peer, peer + suffix(conns), cpus=cpusets[0],
                                          conns=conns))
    return cases


class Ctx:
    """What a receiver factory needs (compare_peers)."""

    def __init__(self, args, case, workdir):
        self.name = f"{case.row}-{case.name}".replace(" ", "_").replace("[", "").replace(
            "]", "").replace(",", "-").replace("@", "-")
        self.workdir, self.binary = workdir, case.binary
        self.out = os.path.join(workdir, self.name + "-out.log")
        self.rsyslogd, self.syslog_ng_root = args.rsyslogd, args.syslog_ng_root
        self.prefix = ["taskset", "-c", case.cpus] if case.cpus else []


# ---------------------------------------------------------------------------------------------
# One run

def split_input(path, parts):
    """The input cut into `parts` files of whole lines, one per sender connection (kept beside
    it for the next runs); the input itself when parts is 1."""
    if parts <= 1:
        return [path]
    names = [f"{path}.{i + 1}of{parts}" for i in range(parts)]
    if all(os.path.exists(n) and os.path.getmtime(n) >= os.path.getmtime(path) for n in names):
        return names
    with open(path, "rb") as f:
        lines = f.readlines()
    per = (len(lines) + parts - 1) // parts
    for i, name in enumerate(names):
        with open(name + ".tmp", "wb") as out:
            out.writelines(lines[i * per:(i + 1) * per])
        os.replace(name + ".tmp", name)
    return names


def http_lines(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as r:
        return json.loads(r.read())["lines"]


def one_run(args, case, receiver, inputs, head_lines=0):
    """Runs the sender against a started receiver; returns the measurements (and the output's
    first head_lines lines under "head", for the agreement check)."""
    n = args.lines[case.workload]
    pid = receiver.proc.pid
    sink = receiver.helper_procs[0].pid if receiver.helper_procs else None
    counter = LineCounter(receiver.out) if receiver.out else None
    sender = ingest = None
    senders = []
    sender_prefix = ["taskset", "-c", args.sender_cpus] if args.sender_cpus else []
    try:
        if case.workload == "W4":
            cpus = {int(c) for c in args.sender_cpus.split(",")} if args.sender_cpus else None
            ingest = IngestSender(receiver.port, inputs, args.clients, args.keepalive, cpus)
        cpu0 = cpu_seconds(pid)
        sink0 = cpu_seconds(sink) if sink else 0.0
        t0 = time.monotonic()
        if ingest:
            ingest.start()
        else:
            senders = [subprocess.Popen(sender_prefix + ["socat", "-u", "-b", "262144",
                                                         f"OPEN:{part}",
                                                         f"TCP:127.0.0.1:{receiver.port}"])
                       for part in split_input(inputs, case.conns)]
            sender = senders[0]
        got, poll = 0, 0.01 if counter else 0.02
        while got < n:
            if time.monotonic() - t0 > args.timeout:
                raise RuntimeError(f"{case.key}: only {got} of {n} lines after {args.timeout}s")
            if receiver.proc.poll() is not None:
                raise RuntimeError(f"{case.key}: the receiver exited; see its log in "
                                   f"{receiver.workdir}")
            time.sleep(poll)
            got = counter.poll() if counter else http_lines(receiver.stats_port)
        elapsed = time.monotonic() - t0
        r = {"seconds": elapsed, "rate": n / elapsed, "cpu": cpu_seconds(pid) - cpu0,
             "rss": peak_rss_mib(pid), "sink_cpu": cpu_seconds(sink) - sink0 if sink else None}
        if ingest:
            report = ingest.finish()
            ingest = None
            if report["accepted"] != n:
                raise RuntimeError(f"{case.key}: sluice accepted {report['accepted']} of {n}")
            r["sender_cpu"], r["retries"] = report["cpu"], report["retries"]
        else:
            r["sender_cpu"] = 0.0
            for one in senders:
                _, status, ru = os.wait4(one.pid, 0)
                one.returncode = os.waitstatus_to_exitcode(status)
                r["sender_cpu"] += ru.ru_utime + ru.ru_stime
        if got > n:
            raise RuntimeError(f"{case.key}: {got} lines for {n} sent")
        if head_lines and receiver.out:
            with open(receiver.out, "rb") as f:
                r["head"] = [f.readline() for _ in range(head_lines)]
        return r
    finally:
        if counter:
            counter.close()
        if ingest:
            ingest.kill()
        for one in (senders if sender else []):
            if one.returncode is None:
                one.kill()
                one.wait()


# ---------------------------------------------------------------------------------------------

def parse_lines(text, p):
    """--lines N (every workload) or W1=N,W3=M (those workloads; the rest keep the default)."""
    lines = dict(DEFAULT_LINES)
    for part in text.split(","):
        if "=" in part:
            wl, n = part.split("=", 1)
            if wl not in WORKLOADS:
                p.error(f"--lines: unknown workload {wl!r}")
            lines[wl] = int(n)
        else:
            lines = {wl: int(part) for wl in WORKLOADS}
    return lines


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sluice", default=os.path.join(REPO, "build", "release", "sluice"),
                   help="comma list of [LABEL=]PATH; every sluice case runs with each binary, "
                   "interleaved, labelled sluice@LABEL, with the ratios of each to the first")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma list of W1..W4")
    p.add_argument("--peers", default=",".join(PEERS), help="comma list: rsyslog, syslog-ng")
    p.add_argument("--lines", default="",
                   help="lines per run: N for every workload, or W1=N,W2=M,... (defaults: " +
                   ", ".join(f"{k}={v}" for k, v in DEFAULT_LINES.items()) + ")")
    p.add_argument("--runs", type=int, default=3, help="rounds; medians are reported")
    p.add_argument("--connections", default="1",
                   help="W1-W3: senders in parallel, each on its own connection with 1/N of the "
                   "input; a comma list runs each count (default 1)")
    p.add_argument("--body-records", default="10000,100",
                   help="W4: records per request body, a comma list gives a row per size")
    p.add_argument("--clients", type=int, default=2, help="W4: client processes in parallel")
    p.add_argument("--no-keepalive", dest="keepalive", action="store_false",
                   help="W4: a new connection per request")
    p.add_argument("--taskset", metavar="CPUS", help="pin every receiver with taskset -c CPUS")
    p.add_argument("--sender-cpus", metavar="CPUS", help="pin the senders to CPUS")
    p.add_argument("--scaling", action="store_true",
                   help="sluice only, on W1 and W2 (of --workloads), pinned to each of "
                   "--scaling-cpus, with the ratios")
    p.add_argument("--scaling-cpus", default="0;0,1",
                   help="semicolon list of CPU lists for --scaling (default 0;0,1)")
    p.add_argument("--rsyslogd", default=shutil.which("rsyslogd") or "/usr/sbin/rsyslogd")
    p.add_argument("--syslog-ng-root", default=compare_peers.SYSLOG_NG_ROOT,
                   help="where scripts/setup extracted syslog-ng")
    p.add_argument("--data-dir", default=os.path.join(REPO, "build", "bench-data"),
                   help="where the generated inputs are kept between runs")
    p.add_argument("--workdir", help="receivers' configurations and outputs (default: a new "
                   "directory under /tmp, removed at the end)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per run")
    p.add_argument("--write-docs", nargs="?", const=os.path.join(REPO, "docs", "benchmarks.md"),
                   metavar="PATH", help="write the report (default docs/benchmarks.md)")
    args = p.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.argv = sys.argv[1:] if argv is None else argv
    args.default_lines = DEFAULT_LINES
    args.lines = parse_lines(args.lines, p) if args.lines else dict(DEFAULT_LINES)
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    for w in args.workloads:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w!r}; known: {', '.join(WORKLOADS)}")
    args.peers = [x for x in args.peers.split(",") if x]
    for x in args.peers:
        if x not in PEERS:
            p.error(f"unknown peer {x!r}; known: {', '.join(PEERS)}")
    args.body_records = [int(b) for b in args.body_records.split(",")]
    if args.scaling:
        args.workloads = [w for w in args.workloads if w in ("W1", "W2")] or ["W1", "W2"]
    return args


def main():
    args = parse_args()
    sluices = [s.split("=", 1) if "=" in s else (os.path.basename(s), s)
               for s in args.sluice.split(",")]
    sluices = [(label, os.path.abspath(path)) for label, path in sluices]
    for _, path in sluices:
        if not os.access(path, os.X_OK):
            sys.exit(f"compare: no sluice binary at {path} (build the release preset, or "
                     "pass --sluice PATH)")
    cpusets = args.scaling_cpus.split(";") if args.scaling else [args.taskset]
    cases = make_cases(args, sluices, cpusets)
    started = time.time()
    machine = compare_report.machine(args, sluices)
    print(compare_report.machine_text(machine), flush=True)

    os.makedirs(args.data_dir, exist_ok=True)
    inputs = {}
    for wl in args.workloads:
        n = args.lines[wl]
        if wl == "W1":
            inputs[wl] = statements_file(args.data_dir, n)
        elif wl in ("W2", "W3"):
            inputs[wl] = syslog_records_file(args.data_dir, n)
        else:
            # W4 takes the first n records of the largest records file the run uses
            most = max(args.lines[w] for w in args.workloads if w in ("W2", "W3", "W4"))
            records = records_file(args.data_dir, most)
            for b in args.body_records:
                inputs[("W4", b)] = build_bodies(records, n, b)

    workdir = args.workdir or tempfile.mkdtemp(prefix="sluice-compare-")
    os.makedirs(workdir, exist_ok=True)
    results = {c.key: [] for c in cases}
    heads = {}
    width = max(len(c.row) for c in cases), max(len(c.name) for c in cases)
    try:
        for rnd in range(1, args.runs + 1):
            for case in cases:
                if case.na:
                    continue
                try:
                    receiver = compare_peers.FACTORIES[case.kind](Ctx(args, case, workdir),
                                                                  case.workload)
                except compare_peers.NotAvailable as e:
                    case.na = str(e)
                    print(f"{case.row:{width[0]}} {case.name:{width[1]}} n/a: {e}", flush=True)
                    continue
                data = inputs[("W4", case.body)] if case.body else inputs[case.workload]
                want_head = 1000 if rnd == 1 and case.workload == "W2" else 0
                try:
                    receiver.start()
                    r = one_run(args, case, receiver, data, want_head)
                finally:
                    receiver.stop()
                    if receiver.out and os.path.exists(receiver.out):
                        os.unlink(receiver.out)
                if "head" in r:
                    heads[case.key] = r.pop("head")
                results[case.key].append(r)
                sink = f"  sink cpu {r['sink_cpu']:.2f} s" if r["sink_cpu"] is not None else ""
                print(f"round {rnd} {case.row:{width[0]}} {case.name:{width[1]}} "
                      f"{r['seconds']:7.2f} s {r['rate']:>10,.0f} msgs/s  cpu {r['cpu']:6.2f} s"
                      f"  rss {r['rss']:7.1f} MiB  sender cpu {r['sender_cpu']:.2f} s{sink}",
                      flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    med = {}
    for c in cases:
        rs = results[c.key]
        if rs:
            med[c.key] = {k: statistics.median(r[k] for r in rs if r.get(k) is not None)
                          if any(r.get(k) is not None for r in rs) else None for k in rs[0]}
    report = compare_report.Report(args, cases, med, sluices, machine, started,
                                   compare_report.agreement(cases, heads))
    print()
    print(report.text())
    if args.write_docs:
        report.write_docs(args.write_docs)
        print(f"wrote {args.write_docs}")


if __name__ == "__main__":
    main()
