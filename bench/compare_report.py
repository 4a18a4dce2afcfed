"""The table and the report of bench/compare.py, on stdout and in docs/benchmarks.md."""

import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import time

import compare_peers

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
W4_BAR = 1.3  # W4's CPU seconds per record over W2's (the target)


def _run(argv, **kw):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10, **kw).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _first(pattern, text, default="?"):
    m = re.search(pattern, text, re.M)
    return m.group(1).strip() if m else default


def machine(args, sluices):
    with open("/proc/cpuinfo") as f:
        cpuinfo = f.read()
    with open("/proc/meminfo") as f:
        mem_kib = int(_first(r"^MemTotal:\s+(\d+)", f.read(), "0"))
    with open("/etc/os-release") as f:
        os_name = _first(r'^PRETTY_NAME="?([^"\n]*)', f.read())
    try:
        with open("/etc/debian_version") as f:
            os_name += f" ({f.read().strip()})"
    except OSError:
        pass
    commit = _run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).strip()
    if _run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"]).strip():
        commit += " with local changes"
    return {
        "cpu": _first(r"^model name\s*:\s*(.*)", cpuinfo),
        "cores": os.cpu_count(),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "os": os_name,
        "rsyslog": _run(["dpkg-query", "-W", "-f=${Version}", "rsyslog"]).strip() or "?",
        "syslog-ng": compare_peers.syslog_ng_version(args.syslog_ng_root) or "not found",
        "node": _run(["node", "--version"]).strip() or "?",
        "python": platform.python_version(),
        "sluice": [(label, path, _run([path, "--version"]).strip()) for label, path in sluices],
        "commit": commit or "?",
        "load": open("/proc/loadavg").read().split()[:3],
    }


def machine_text(m):
    lines = [f"CPU: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM",
             f"OS: {m['os']}, kernel {m['kernel']}",
             f"peers: rsyslog {m['rsyslog']}, syslog-ng {m['syslog-ng']} (Debian packages); "
             f"node {m['node']}, python {m['python']}",
             f"bench scripts at {m['commit']}"]
    for label, path, version in m["sluice"]:
        lines.append(f"sluice {label}: {path} ({version or 'no --version'})")
    lines.append(f"load average at the start: {' '.join(m['load'])}")
    return "\n".join(lines)


def agreement(cases, heads):
    """W2's first lines of each receiver's output against sluice's, compared as JSON: the keys
    whose values differ, with an example. Returns lines of text."""
    ref = next((c for c in cases if c.kind == "sluice" and c.key in heads), None)
    if ref is None:
        return []
    mine = [json.loads(x) for x in heads[ref.key] if x.strip()]
    notes = []
    for c in cases:
        if c.key not in heads or c.kind == "sluice":
            continue
        diffs, bad = {}, 0
        for a, line in zip(mine, heads[c.key]):
            try:
                b = json.loads(line)
            except ValueError:
                bad += 1
                continue
            for k in sorted(set(a) | set(b)):
                if a.get(k, "(missing)") != b.get(k, "(missing)"):
                    d = diffs.setdefault(k, [0, a.get(k, "(missing)"), b.get(k, "(missing)")])
                    d[0] += 1
        what = f"{c.row} {c.name}: the first {len(mine)} lines, compared with {ref.name}'s as JSON"
        if not diffs and not bad:
            notes.append(f"{what}: equal")
            continue
        parts = [f"{k} differs in {n} ({json.dumps(x, ensure_ascii=False)} vs "
                 f"{json.dumps(y, ensure_ascii=False)})" for k, (n, x, y) in diffs.items()]
        if bad:
            parts.append(f"{bad} lines are not JSON")
        notes.append(f"{what}: equal except: " + "; ".join(parts))
    return notes


def _num(x, fmt):
    return "" if x is None else format(x, fmt)


class Report:
    def __init__(self, args, cases, med, sluices, machine_info, started, agreement_notes):
        self.args, self.cases, self.med, self.sluices = args, cases, med, sluices
        self.machine, self.started, self.notes = machine_info, started, agreement_notes
        self.finished = time.time()

    # -- helpers ---------------------------------------------------------------------------
    def m(self, case):
        return self.med.get(case.key)

    def sluice_case(self, row, label, cpus, conns=None):
        """The measured sluice case; conns None: the first --connections value."""
        conns = self.args.connections[0] if conns is None else conns
        return next((c for c in self.cases if c.kind == "sluice" and c.row == row
                     and c.label == label and c.cpus == cpus and self.m(c)
                     and (c.conns == conns or c.workload == "W4")), None)

    def per_record(self, case):
        return self.m(case)["cpu"] / self.args.lines[case.workload]

    # -- the table -------------------------------------------------------------------------
    def table(self):
        ref_label = self.sluices[-1][0]
        ref_name = "sluice" + (f"@{ref_label}" if len(self.sluices) > 1 else "")
        head = ["workload", "receiver", "msgs/s", "CPU s", "CPU µs/msg", "peak RSS MiB",
                "sender CPU s", f"{ref_name}/peer msgs/s", f"{ref_name}/peer CPU s", "note"]
        rows = [head, ["---"] * 2 + ["---:"] * (len(head) - 3) + ["---"]]
        for c in self.cases:
            m = self.m(c)
            if m is None:
                rows.append([c.row, c.name, "n/a"] + [""] * (len(head) - 4) +
                            [c.na or "no run"])
                continue
            n = self.args.lines[c.workload]
            speed = cpu = ""
            if c.kind != "sluice":
                ref = self.sluice_case(c.row, ref_label, c.cpus, c.conns)
                if ref:
                    speed = f"{self.m(ref)['rate'] / m['rate']:.2f}x"
                    cpu = f"{self.m(ref)['cpu'] / m['cpu']:.2f}x"
            note = ""
            if m.get("sink_cpu") is not None:
                note = f"count_server.js: {m['sink_cpu']:.2f} CPU s"
            rows.append([c.row, c.name, f"{m['rate']:,.0f}", f"{m['cpu']:.2f}",
                         f"{m['cpu'] / n * 1e6:.2f}", f"{m['rss']:.1f}",
                         _num(m.get("sender_cpu"), ".2f"), speed, cpu, note])
        right = [False, False] + [True] * (len(head) - 3) + [False]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        out = []
        for r in rows:
            cells = [("-" * (widths[i] - 1) + ":" if cell == "---:" else
                      "-" * widths[i] if cell == "---" else
                      cell.rjust(widths[i]) if right[i] and r is not rows[0] else
                      cell.ljust(widths[i])) for i, cell in enumerate(r)]
            out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out)

    # -- ratios beside the table -----------------------------------------------------------
    def row_ratios(self, row, conns, labels, cpusets):
        """Each binary against the first, and (--scaling) the most CPUs against the fewest."""
        lines = []
        for cpus in cpusets:
            first = self.sluice_case(row, labels[0], cpus, conns)
            for label in labels[1:]:
                other = self.sluice_case(row, label, cpus, conns)
                if first and other:
                    lines.append(f"{row} {other.name} / {first.name}: "
                                 f"{self.m(other)['rate'] / self.m(first)['rate']:.2f}x "
                                 f"msgs/s, {self.m(other)['cpu'] / self.m(first)['cpu']:.2f}x"
                                 " CPU seconds")
        if self.args.scaling and len(cpusets) > 1:
            for label in labels:
                one = self.sluice_case(row, label, cpusets[0], conns)
                more = self.sluice_case(row, label, cpusets[-1], conns)
                if one and more:
                    lines.append(f"{row} scaling {more.name} / {one.name}: "
                                 f"{self.m(more)['rate'] / self.m(one)['rate']:.2f}x msgs/s,"
                                 f" {self.m(more)['cpu'] / self.m(one)['cpu']:.2f}x CPU "
                                 "seconds")
        return lines

    def ratios(self):
        lines = []
        rows = list(dict.fromkeys(c.row for c in self.cases))
        labels = [label for label, _ in self.sluices]
        cpusets = list(dict.fromkeys(c.cpus for c in self.cases if c.kind == "sluice"))
        for row in rows:
            for conns in ([1] if row.startswith("W4") else self.args.connections):
                lines += self.row_ratios(row, conns, labels, cpusets)
        for c in self.cases:
            if c.workload != "W4" or not self.m(c):
                continue
            w2 = self.sluice_case("W2", c.label, c.cpus)
            if not w2:
                lines.append(f"{c.row} {c.name}: {self.per_record(c) * 1e6:.2f} µs CPU per "
                             "record (run W2 too for the W4/W2 ratio)")
                continue
            ratio = self.per_record(c) / self.per_record(w2)
            keep = "keep-alive" if self.args.keepalive else "a connection per request"
            lines.append(f"{c.row} / W2 CPU per record, {c.name} ({self.args.clients} clients, "
                         f"{keep}): {self.per_record(c) * 1e6:.2f} / "
                         f"{self.per_record(w2) * 1e6:.2f} µs = {ratio:.2f}x (target <= "
                         f"{W4_BAR}x: {'MET' if ratio <= W4_BAR else 'NOT MET'})")
        for c in self.cases:
            m = self.m(c)
            if m and m.get("sink_cpu") is not None:
                lines.append(f"{c.row} {c.name}: the counting receiver (count_server.js) used "
                             f"{m['sink_cpu']:.2f} CPU s, {100 * m['sink_cpu'] / m['seconds']:.0f}"
                             "% of one core over the run")
            if m and m.get("retries"):
                lines.append(f"{c.row} {c.name}: {m['retries']:.0f} requests answered 429/503 "
                             "and retried (median)")
        return lines

    def text(self):
        parts = [f"medians of {self.args.runs} round(s); lines per run: " +
                 ", ".join(f"{w} {self.args.lines[w]:,}" for w in self.args.workloads), "",
                 self.table(), ""]
        parts += self.ratios()
        if self.notes:
            parts += ["", "output check:"] + [f"  {n}" for n in self.notes]
        return "\n".join(parts)

    # -- docs/benchmarks.md ----------------------------------------------------------------
    def trial(self):
        full = self.args.default_lines
        small = [w for w in self.args.workloads if self.args.lines[w] < full[w]]
        reasons = []
        if small:
            reasons.append("fewer lines than the full suite (" +
                           ", ".join(f"{w} {self.args.lines[w]:,} of {full[w]:,}"
                                     for w in small) + ")")
        if self.args.runs < 3:
            reasons.append(f"{self.args.runs} round(s) instead of 3")
        return reasons

    def write_docs(self, path):
        m = self.machine
        when = datetime.datetime.fromtimestamp(self.started).strftime("%Y-%m-%d %H:%M")
        took = (self.finished - self.started) / 60
        command = "bench/compare.sh " + " ".join(shlex.quote(a) for a in self.args.argv)
        trial = self.trial()
        banner = ""
        if trial:
            banner = ("> **Trial run**: " + "; ".join(trial) + ". The figures show that the suite "
                      "works and roughly where things stand; they are not the suite's result (a run "
                      "of well under a second measures start-up and latency more than "
                      "throughput). "
                      "Rerun `bench/compare.sh --write-docs` at full size to replace them.\n\n")
        binaries = "\n".join(f"- sluice `{label}`: `{path}` ({version or '?'})"
                             for label, path, version in m["sluice"])
        notes = "\n".join(f"- {n}" for n in self.notes)
        ratios = "\n".join(f"- {r}" for r in self.ratios())
        with open(os.path.join(HERE, "compare_docs.md.in")) as f:
            template = f.read()
        text = template.format(
            banner=banner, date=when, took=f"{took:.1f}", command=command,
            runs=self.args.runs, lines=", ".join(f"{w} {self.args.lines[w]:,}"
                                                 for w in self.args.workloads),
            cpu=m["cpu"], cores=m["cores"], memory=m["memory"], os=m["os"],
            kernel=m["kernel"], rsyslog=m["rsyslog"], syslog_ng=m["syslog-ng"],
            node=m["node"], python=m["python"], commit=m["commit"], binaries=binaries,
            load=" ".join(m["load"]), load_end=" ".join(open("/proc/loadavg").read().split()[:3]),
            table=self.table(), ratios=ratios or "- (none)", notes=notes or "- (not run)",
            clients=self.args.clients, bodies=", ".join(map(str, self.args.body_records)),
            keepalive="keep-alive" if self.args.keepalive else "a new connection per request")
        with open(path, "w") as f:
            f.write(text)
