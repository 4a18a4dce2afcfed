#!/usr/bin/env python3
"""Live configuration reload (SIGHUP) under load, end to end.

One sender thread POSTs NDJSON request records to /ingest/svc1/requests at RATE records/s
(BATCH records per POST), each with a sequence number (req.http.X-Seq) and a status cycling
200/404/500. Every format embeds a version tag, so each delivered line tells which configuration
rendered it. Endpoints: "web", an https endpoint into the project's receiver
(tests/e2e/https_receiver.py), and "archive", a file endpoint. While the records flow, sluice is
reloaded five times:

  1. change the format      web w1 -> w2 and archive a1 -> a2 (two different line shapes)
  2. add an endpoint        "extra" (https, format e1) starts; it sends one 500-line request at
                            a time, slower than the input, so it carries a backlog (~100,000
                            lines here) through reloads 3-5 and the kill: its queue must survive
  3. remove the file endpoint  archive stops receiving, delivers what it queued, closes its file
  4. change a condition     the statement of web's response_condition: resp.status >= 100
                            -> resp.status == 200 (web's own fields do not change)
  5. a broken file          an unknown function in web's format, an unknown field and a new
                            format in extra: refused as a whole; every error on stderr and in
                            /status (the messages of `sluice check`), generation unchanged,
                            traffic goes on as configured by reload 4

Each reload is waited for through /status "config" (generation, last_reload), never by sleeping,
and that object is checked: file, generation 1 at start and +1 per activation only, activated_at
(RFC 3339 UTC, new on each activation), last_reload (null at start; at, result, errors). Endpoints
that stay keep their counters (/status received never goes back; in the memory run, received and
delivered at the end equal the lines delivered over all versions); the removed file endpoint's
file is no longer open in sluice at the end.

At the end the sender stops, everything is drained, and for each endpoint the delivered lines are
checked against the history of its configuration: every line is exactly what the version that
routed it renders for that record; no accepted record (POST answered 2xx) is missing from an
endpoint that was active, with its condition true, when the record was routed; nothing arrives
from outside those ranges; no record is rendered twice. Each switch point must be the first
record of one POST body (a batch is routed by one version) and lie between the last POST
answered before the SIGHUP and the first POST started after /status showed the reload.

Two scenarios: "memory" (memory queues), and "disk" ([storage] dir) with a kill -9 of sluice
between reloads 2 and 3 and a restart on the latest file; there a record routed before the kill
may arrive again only as an identical line (at-least-once redelivery), never rendered a second
time differently, and records answered 2xx before the kill are not lost.

    python3 tests/e2e/reload_test.py --sluice build/release/sluice [--only memory|disk]

SLUICE_RELOAD_RATE (records/s, default 20000) and SLUICE_RELOAD_SETTLE (seconds of traffic
between two reloads, default 3) scale the run; about 80 s in all on 2 cores. The checker's
self-test on synthetic lines (a gap, a duplicate with another tag, tags going backwards, a switch
inside a batch...) runs first; `--self-test` runs only it, verbosely. Everything listens on
127.0.0.1 and lives in a temporary directory; sluice is stopped by PID.
"""

import argparse
import bisect
import contextlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Sluice, read_lines, service_toml, wait_until  # noqa: E402
from https_receiver import Receiver  # noqa: E402

SERVICE = "svc1"
STATUSES = (200, 404, 500)
RELOAD_TIMEOUT = 15  # seconds for a reload to show in /status
DRAIN_TIMEOUT = 60


def status_of(seq):
    return STATUSES[seq % 3]


def record(seq):
    return ('{"req.http.X-Seq":"%d","resp.status":%d,"req.method":"GET","req.url":"/p/%d",'
            '"client.ip":"192.0.2.7"}\n' % (seq, status_of(seq), seq))


# ---- the configuration versions ----------------------------------------------------------------

# Each tag is a format; render() is what sluice must deliver for the record `seq` in it.
FORMATS = {
    "w1": '{"seq":%{req.http.X-Seq}V,"v":"w1","status":%>s}',
    "w2": "w2|%{req.http.X-Seq}V|%>s|%m %U",
    "a1": "a1 %{req.http.X-Seq}V %>s",
    "a2": '{"a2":%{req.http.X-Seq}V,"s":"%>s","m":"%m"}',
    "e1": "e1 seq=%{req.http.X-Seq}V status=%>s",
    "e2": "e2 %{req.http.X-Seq}V",  # only in the broken file: must never be seen
}
SEQ_PATTERNS = {
    "w1": re.compile(r'\{"seq":(\d+),"v":"w1",'),
    "w2": re.compile(r"w2\|(\d+)\|"),
    "a1": re.compile(r"a1 (\d+) "),
    "a2": re.compile(r'\{"a2":(\d+),'),
    "e1": re.compile(r"e1 seq=(\d+) "),
    "e2": re.compile(r"e2 (\d+)$"),
}


def render(tag, seq):
    st = status_of(seq)
    return {
        "w1": '{"seq":%d,"v":"w1","status":%d}' % (seq, st),
        "w2": "w2|%d|%d|GET /p/%d" % (seq, st, seq),
        "a1": "a1 %d %d" % (seq, st),
        "a2": '{"a2":%d,"s":"%d","m":"GET"}' % (seq, st),
        "e1": "e1 seq=%d status=%d" % (seq, st),
        "e2": "e2 %d" % seq,
    }[tag]


ALL = None  # a phase without a condition: every record is rendered
ONLY_200 = frozenset([200])
ABSENT = (None, ALL)
# Per endpoint: (reload after which it applies, (format tag or None when the endpoint does not
# exist, the statuses its condition lets through)). Reload 0 is the initial file.
TIMELINE = {
    "web": [(0, ("w1", ALL)), (1, ("w2", ALL)), (4, ("w2", ONLY_200))],
    "archive": [(0, ("a1", ALL)), (1, ("a2", ALL)), (3, ABSENT)],
    "extra": [(0, ABSENT), (2, ("e1", ALL))],
}
RELOADS = [(1, "change the format"), (2, "add an endpoint"), (3, "remove the file endpoint"),
           (4, "change a condition"), (5, "a broken file")]
BROKEN = 5
KILL_AFTER = 2  # the disk scenario kills sluice between reloads 2 and 3


def phase_at(endpoint, version):
    current = ABSENT
    for r, phase in TIMELINE[endpoint]:
        if r <= version:
            current = phase
    return current


def services(version, recv, archive_path):
    """The [[service]] text of the configuration after reload `version`, or the broken file."""
    broken = version == BROKEN
    if broken:
        version = BROKEN - 1
    web_tag, web_statuses = phase_at("web", version)
    statement = "resp.status >= 100" if web_statuses is ALL else "resp.status == 200"
    text = ("\n  [[service.condition]]\n  name = \"web_filter\"\n  statement = '%s'\n" %
            statement)
    web_format = FORMATS[web_tag]
    if broken:
        web_format = "w3|%{std.tolowerr(req.http.X-Seq)}V|%>s"  # an unknown function
    # web's type fields stay the same in every version: only its format and condition change.
    text += """
  [[service.logging]]
  type = "https"
  name = "web"
  url = "%s"
  format = '%s'
  response_condition = "web_filter"
  request_max_entries = 2000
  period_ms = 250
  concurrency = 2
  max_backoff = "1s"
""" % (recv.url("/web"), web_format)
    archive_tag = phase_at("archive", version)[0]
    if archive_tag:
        text += """
  [[service.logging]]
  type = "file"
  name = "archive"
  path = "%s"
  format = '%s'
""" % (archive_path, FORMATS[archive_tag])
    extra_tag = phase_at("extra", version)[0]
    if extra_tag:
        text += """
  [[service.logging]]
  type = "https"
  name = "extra"
  url = "%s"
  format = '%s'
  request_max_entries = 500
  period_ms = 100
  concurrency = 1
  max_backoff = "1s"
""" % (recv.url("/extra"), FORMATS["e2" if broken else extra_tag])
        if broken:
            text += "  perid_ms = 100\n"  # an unknown field
    return service_toml(SERVICE, text)


# ---- the sender --------------------------------------------------------------------------------

class Batch:
    """One POST body: records first .. first+n-1."""
    __slots__ = ("first", "n", "first_start", "start", "end", "attempts", "conn_errors",
                 "busy")

    def __init__(self, first, n):
        self.first, self.n = first, n
        self.first_start = self.start = self.end = None  # monotonic times; end: answered 2xx
        self.attempts = self.conn_errors = self.busy = 0

    @property
    def last(self):
        return self.first + self.n - 1


class Sender:
    """Posts BATCH records every BATCH/RATE seconds, one POST at a time, in a thread. A POST
    answered 503 (queues full) or not answered at all (sluice died) is posted again, the same
    records, until it is answered 2xx; any other answer stops the sender with an error."""

    def __init__(self, port, rate, batch):
        self.port, self.batch, self.interval = port, batch, batch / float(rate)
        self.batches = []  # appended before the first attempt; read by the main thread
        self.error = None
        self.busy = self.conn_errors = 0
        self.rebased = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._conn = None

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=120)
        if self._thread.is_alive():
            raise AssertionError("the sender did not stop within 120 s")

    def accepted_batches(self):
        return [b for b in list(self.batches) if b.end is not None]

    def summary(self):
        batches = list(self.batches)
        done = [b for b in batches if b.end is not None]
        span = (done[-1].end - done[0].first_start) if done else 0.0
        accepted = sum(b.n for b in done)
        return {"records": sum(b.n for b in batches), "posts": len(batches), "accepted": accepted,
                "span": span, "rate": accepted / span if span else 0.0, "busy": self.busy,
                "conn_errors": self.conn_errors, "rebased": self.rebased,
                "latency_ms": sorted((b.end - b.start) * 1000 for b in done)}

    def _post(self, body):
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self._conn.request("POST", "/ingest/%s/requests" % SERVICE, body,
                           {"Content-Type": "application/x-ndjson"})
        resp = self._conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")

    def _send(self, b):
        body = "".join(record(s) for s in range(b.first, b.first + b.n)).encode()
        give_up = time.monotonic() + 60
        while not self._stop.is_set() or b.attempts == 0:
            b.attempts += 1
            b.start = time.monotonic()
            if b.first_start is None:
                b.first_start = b.start
            try:
                status, text = self._post(body)
            except (OSError, http.client.HTTPException) as e:
                # sluice is down (kill -9) or the connection broke: the records may or may not
                # have been appended; post them again (at-least-once).
                b.conn_errors += 1
                self.conn_errors += 1
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                if time.monotonic() > give_up:
                    self.error = "POST of records %d-%d: no answer for 60 s (%s)" % (
                        b.first, b.last, e)
                    return False
                time.sleep(0.02)
                continue
            if status == 503:  # the queues are full: nothing of this body was ingested
                b.busy += 1
                self.busy += 1
                if time.monotonic() > give_up:
                    self.error = "POST of records %d-%d: 503 for 60 s" % (b.first, b.last)
                    return False
                time.sleep(0.05)
                continue
            if 200 <= status < 300:
                try:
                    outcome = json.loads(text)
                except ValueError:
                    outcome = None
                if not outcome or outcome.get("accepted") != b.n or outcome.get("rejected"):
                    self.error = ("POST of records %d-%d answered %d but not every record was "
                                  "accepted: %s" % (b.first, b.last, status, text[:300]))
                    return False
                b.end = time.monotonic()
                return True
            self.error = "POST of records %d-%d answered %d: %s" % (b.first, b.last, status,
                                                                     text[:300])
            return False
        return False  # stopped while re-posting: the batch is not accepted

    def _run(self):
        t0 = time.monotonic()
        tick = 0
        seq = 0
        while not self._stop.is_set():
            due = t0 + tick * self.interval
            now = time.monotonic()
            if due > now:
                if self._stop.wait(due - now):
                    break
            elif now - due > 1.0:
                # Far behind (sluice was down): go on at the pace from now, without a burst.
                t0 = now - tick * self.interval
                self.rebased += 1
            b = Batch(seq, self.batch)
            self.batches.append(b)
            if not self._send(b):
                return
            seq += b.n
            tick += 1


def switch_window(batches, t_hup, t_seen):
    """(lo, hi): the first record routed by the new version is > lo (the last record of a POST
    answered before the SIGHUP) and <= hi (the first record of a POST started after /status showed
    the reload; None if there was none)."""
    lo = max([b.last for b in batches if b.end is not None and b.end < t_hup], default=-1)
    hi = min([b.first for b in batches if b.first_start is not None and b.first_start > t_seen],
             default=None)
    return lo, hi


# ---- the checker -------------------------------------------------------------------------------

def ranges(seqs, limit=6):
    """'3-7, 12, 20-29 (16 in all)' for a sorted list of ints."""
    if not seqs:
        return "none"
    out, start, prev = [], seqs[0], seqs[0]
    for s in seqs[1:] + [None]:
        if s is not None and s == prev + 1:
            prev = s
            continue
        out.append("%d" % start if start == prev else "%d-%d" % (start, prev))
        if s is not None:
            start = prev = s
    text = ", ".join(out[:limit]) + (", ..." if len(out) > limit else "")
    return "%s (%d in all)" % (text, len(seqs))


def parse_line(line, tags):
    """(seq, tag) when the line is exactly what one of `tags` renders for its record, else None."""
    for tag in tags:
        m = SEQ_PATTERNS[tag].match(line)
        if m:
            seq = int(m.group(1))
            return (seq, tag) if line == render(tag, seq) else None
    return None


def expected_tag(phase, seq):
    tag, statuses = phase
    if tag is None or (statuses is not None and status_of(seq) not in statuses):
        return None
    return tag


def check_endpoint(name, lines, timeline, batch_starts, accepted, windows, dup_ok):
    """Checks one endpoint's delivered lines against its configuration history.

    timeline: [(reload, phase)], as TIMELINE; batch_starts: sorted first records of every POST;
    accepted: the set of records answered 2xx; windows: reload -> (lo, hi) from switch_window()
    (a reload without a window may switch at any batch start); dup_ok(seq): whether an identical
    second copy of the line is allowed (at-least-once redelivery).

    Returns (failures, info): failure messages, and a summary (lines, switch points...)."""
    failures = []
    tags = sorted({phase[0] for _, phase in timeline if phase[0]})
    got = {}
    malformed, dup_same, dup_diff = [], [], []
    identical_dups = 0
    for line in lines:
        parsed = parse_line(line, tags)
        if parsed is None:
            malformed.append(line)
            continue
        seq, tag = parsed
        if seq in got:
            if got[seq][1] != line:
                dup_diff.append((seq, got[seq][1], line))
            elif dup_ok(seq):
                identical_dups += 1
            else:
                dup_same.append(seq)
            continue
        got[seq] = (tag, line)
    if malformed:
        failures.append("%s: %d line(s) are not what any version of this endpoint renders "
                        "(formats %s) for their record, e.g. %r" %
                        (name, len(malformed), "/".join(tags), malformed[:3]))
    if dup_diff:
        failures.append("%s: %d record(s) rendered twice, differently (a batch routed by two "
                        "versions?), e.g. %s" % (name, len(dup_diff), dup_diff[:3]))
    if dup_same:
        failures.append("%s: %d record(s) delivered more than once: %s" %
                        (name, len(dup_same), ranges(sorted(set(dup_same)))))

    def observed(seq):
        g = got.get(seq)
        return g[0] if g else None

    # Each change of the endpoint's phase happened at one batch start inside its reload's window:
    # take the one that explains the data best, then compare everything against that model.
    switches = []  # (reload, switch seq)
    notes = []
    for k in range(1, len(timeline)):
        reload_no, new = timeline[k]
        old = timeline[k - 1][1]
        lo, hi = windows.get(reload_no, (None, None))
        cands = [b for b in batch_starts
                 if (lo is None or b > lo) and (hi is None or b <= hi)]
        if not cands:
            cands = [hi if hi is not None else lo + 1]
        # Mismatches of a switch at c: those of the old phase below c plus the new one's from c
        # on (only records between the first and the last candidate differ between candidates).
        first = cands[0]
        mm_old, mm_new = [0], [0]
        for s in range(first, cands[-1]):
            have = observed(s)
            for model, acc in ((old, mm_old), (new, mm_new)):
                want = expected_tag(model, s)
                acc.append(acc[-1] + (want != have and (s in accepted or have is not None)))
        best, best_bad = None, None
        for c in cands:
            bad = mm_old[c - first] + (mm_new[-1] - mm_new[c - first])
            if best_bad is None or bad < best_bad:
                best, best_bad = c, bad
        switches.append((reload_no, best))
        # Where the data itself leaves the old version, for the messages.
        start = lo + 1 if lo is not None else (switches[-2][1] if len(switches) > 1 else 0)
        departs = None
        for s in sorted(x for x in accepted | set(got) if x >= start):
            if observed(s) != expected_tag(old, s) and (s in accepted or observed(s)):
                departs = s
                break
        notes.append("reload %d: window (%s, %s], batch starts in it %s, chosen %d; the data "
                     "leaves the old version at %s%s" %
                     (reload_no, lo, hi, ranges(cands, 4), best, departs,
                      "" if departs is None or departs in batch_starts else
                      " (not a batch start)"))

    points = [s for _, s in switches]
    phases = [phase for _, phase in timeline]

    def phase_of(seq):
        return phases[bisect.bisect_right(points, seq)]

    missing, unexpected, wrong = [], [], []
    for s in sorted(accepted | set(got)):
        want = expected_tag(phase_of(s), s)
        have = observed(s)
        if want == have:
            continue
        if have is None:
            if s in accepted:
                missing.append(s)
        elif want is None:
            unexpected.append(s)
        else:
            wrong.append(s)
    where = "; ".join(notes)
    if missing:
        failures.append("%s: %d accepted record(s) lost (routed while the endpoint was active "
                        "with its condition true): %s [%s]" %
                        (name, len(missing), ranges(missing), where))
    if unexpected:
        failures.append("%s: %d record(s) delivered that the version routing them does not send "
                        "here (endpoint absent or condition false): %s, e.g. %r [%s]" %
                        (name, len(unexpected), ranges(unexpected), got[unexpected[0]][1], where))
    if wrong:
        failures.append("%s: %d record(s) in the format of another version than the one that "
                        "routed them (switch points %s): %s, e.g. seq %d rendered %r, expected %r "
                        "[%s]" % (name, len(wrong), points, ranges(wrong), wrong[0],
                                  got[wrong[0]][1], expected_tag(phase_of(wrong[0]), wrong[0]),
                                  where))
    per_tag = {}
    for tag, _ in got.values():
        per_tag[tag] = per_tag.get(tag, 0) + 1
    info = {"lines": len(lines), "distinct": len(got), "identical_dups": identical_dups,
            "per_tag": per_tag, "switches": switches}
    return failures, info


# ---- /status -----------------------------------------------------------------------------------

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")


def config_status(s):
    """/status "config", or None when there is none (or sluice does not answer)."""
    try:
        return s.status().get("config")
    except (OSError, ValueError):
        return None


def check_config_object(cfg, s, want_generation, want_result, failures, what):
    if not isinstance(cfg, dict):
        failures.append("%s: /status has no \"config\" object: %r" % (what, cfg))
        return
    if cfg.get("file") not in (s.config, os.path.realpath(s.config)):
        failures.append("%s: config.file is %r, want %r" % (what, cfg.get("file"), s.config))
    if cfg.get("generation") != want_generation:
        failures.append("%s: config.generation is %r, want %d" %
                        (what, cfg.get("generation"), want_generation))
    if not RFC3339_UTC.match(str(cfg.get("activated_at"))):
        failures.append("%s: config.activated_at %r is not RFC 3339 UTC" %
                        (what, cfg.get("activated_at")))
    last = cfg.get("last_reload", "missing")
    if want_result is None:
        if last is not None:
            failures.append("%s: config.last_reload is %r, want null" % (what, last))
        return
    if not isinstance(last, dict):
        failures.append("%s: config.last_reload is %r, want an object" % (what, last))
        return
    if last.get("result") != want_result:
        failures.append("%s: last_reload.result %r, want %r" % (what, last.get("result"),
                                                                 want_result))
    if not RFC3339.match(str(last.get("at"))):
        failures.append("%s: last_reload.at %r is not RFC 3339" % (what, last.get("at")))
    errors = last.get("errors")
    if not isinstance(errors, list) or (want_result == "activated" and errors):
        failures.append("%s: last_reload.errors is %r, want %s" %
                        (what, errors, "[]" if want_result == "activated" else "a list"))


def endpoints_by_name(s):
    try:
        return {e["name"]: e for e in s.status()["endpoints"]}
    except (OSError, ValueError, KeyError):
        return {}


def open_by(pid, path):
    fd_dir = "/proc/%d/fd" % pid
    try:
        for fd in os.listdir(fd_dir):
            try:
                if os.readlink(os.path.join(fd_dir, fd)) == path:
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


# ---- a scenario --------------------------------------------------------------------------------

class Run:
    def __init__(self, args, workdir, name, disk):
        self.args, self.name, self.disk = args, name, disk
        self.failures = []
        self.recv = Receiver(challenge="*").start()
        self.archive = os.path.join(workdir, name + "-archive.log")
        self.s = Sluice(args.sluice, workdir, name, services(0, self.recv, self.archive),
                        storage=disk)
        self.sender = None
        self.generation = 1
        self.reload_times = {}  # reload -> (SIGHUP sent, seen in /status), monotonic
        self.reload_notes = []
        self.t_kill = None
        self.timings = {}

    def alive_or_raise(self, what):
        if self.s.proc.poll() is not None:
            rc = self.s.proc.returncode
            why = ("killed by %s" % signal.Signals(-rc).name) if rc < 0 else "exit status %d" % rc
            hint = (" (this build does not handle SIGHUP: no live reload)"
                    if rc == -signal.SIGHUP else "")
            raise AssertionError("%s: sluice died (%s)%s while waiting for %s; stderr ends:\n%s" %
                                 (self.name, why, hint, what, self.s.stderr()[-1500:]))
        if self.sender is not None and self.sender.error:
            raise AssertionError("%s: sender: %s" % (self.name, self.sender.error))

    def wait(self, predicate, timeout, what):
        def check():
            self.alive_or_raise(what)
            return predicate()
        try:
            return wait_until(check, timeout, what)
        except AssertionError as e:
            if "timed out" in str(e):
                raise AssertionError("%s: %s; /status config is %r" %
                                     (self.name, e, config_status(self.s)))
            raise

    def settle(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.alive_or_raise("traffic to flow")
            time.sleep(0.1)

    def reload(self, number, label):
        s = self.s
        s.write_config(services(number, self.recv, self.archive))
        before = config_status(s)
        before_eps = endpoints_by_name(s)
        err_offset = len(s.stderr())
        t_hup = time.monotonic()
        s.reload()
        what = "reload %d (%s) to show in /status" % (number, label)
        before_last = (before or {}).get("last_reload")
        if number == BROKEN:
            def shown():
                cfg = config_status(s)
                last = (cfg or {}).get("last_reload")
                return isinstance(last, dict) and last != before_last and \
                    last.get("result") == "refused"
            what += ': last_reload.result == "refused"'
        else:
            want = self.generation + 1

            def shown():
                cfg = config_status(s)
                last = (cfg or {}).get("last_reload")
                if isinstance(last, dict) and last != before_last and \
                        last.get("result") == "refused":
                    raise AssertionError("%s: reload %d (%s) of a valid file was refused: %r" %
                                         (self.name, number, label, last))
                return isinstance(cfg, dict) and cfg.get("generation") == want and \
                    isinstance(last, dict)
            what += ": config.generation == %d" % want
        self.wait(shown, RELOAD_TIMEOUT, what)
        t_seen = time.monotonic()
        cfg = config_status(s)
        tag = "%s reload %d (%s)" % (self.name, number, label)
        if number == BROKEN:
            check_config_object(cfg, s, self.generation, "refused", self.failures, tag)
            if before and cfg.get("activated_at") != before.get("activated_at"):
                self.failures.append("%s: activated_at changed on a refused reload: %r -> %r" %
                                     (tag, before.get("activated_at"), cfg.get("activated_at")))
            self.check_refusal(cfg, err_offset, tag)
        else:
            self.generation += 1
            check_config_object(cfg, s, self.generation, "activated", self.failures, tag)
            if before and cfg.get("activated_at") == before.get("activated_at"):
                self.failures.append("%s: activated_at did not change" % tag)
            self.reload_times[number] = (t_hup, t_seen)
        # An endpoint that still exists keeps its counters.
        after_eps = endpoints_by_name(s)
        for ep, st in before_eps.items():
            if ep in after_eps and after_eps[ep].get("received", 0) < st.get("received", 0):
                self.failures.append("%s: endpoint %s's received counter went back from %s to %s"
                                     % (tag, ep, st.get("received"), after_eps[ep].get("received")))
        if number == 2 and "extra" not in after_eps:
            self.failures.append("%s: the new endpoint extra is not in /status" % tag)
        self.reload_notes.append("reload %d (%s): shown in /status %.3f s after SIGHUP" %
                                 (number, label, t_seen - t_hup))

    def check_refusal(self, cfg, err_offset, tag):
        s = self.s
        out = subprocess.run([self.args.sluice, "check", "-c", s.config], capture_output=True,
                             text=True)
        expected = [l for l in out.stderr.splitlines() if l.strip()]
        if out.returncode == 0 or len(expected) < 2:
            self.failures.append("%s: `sluice check` should find 2 errors in the broken file: "
                                 "exit %d, %r" % (tag, out.returncode, out.stderr))
        for needle in ("std.tolowerr", "perid_ms"):
            if not any(needle in l for l in expected):
                self.failures.append("%s: `sluice check` does not name %s: %r" %
                                     (tag, needle, expected))
        # stderr is written as the reload is refused; give it a moment to land in the file.
        try:
            wait_until(lambda: all(l in s.stderr()[err_offset:] for l in expected), 3,
                       "the errors on stderr")
        except AssertionError:
            pass
        printed = s.stderr()[err_offset:]
        for l in expected:
            if l not in printed:
                self.failures.append("%s: stderr does not show the error %r; it shows:\n%s" %
                                     (tag, l, printed[-1000:]))
        errors = ((cfg or {}).get("last_reload") or {}).get("errors") or []
        for l in expected:
            if not any(l == e or l in e for e in errors):
                self.failures.append("%s: /status last_reload.errors lacks %r: %r" %
                                     (tag, l, errors))

    def kill_and_restart(self):
        s = self.s
        self.t_kill = time.monotonic()
        s.kill9()
        time.sleep(0.3)
        t = time.monotonic()
        s.restart()
        self.generation = 1
        self.wait(lambda: isinstance(config_status(s), dict), 10, "/status after the restart")
        check_config_object(config_status(s), s, 1, None, self.failures,
                            "%s after kill -9 and restart" % self.name)
        n = len(self.sender.accepted_batches())
        self.wait(lambda: len(self.sender.accepted_batches()) >= n + 10, 30,
                  "ingest to go on after the restart")
        self.reload_notes.append("kill -9 after reload %d; restarted and ingesting again %.2f s "
                                 "later" % (KILL_AFTER, time.monotonic() - t))

    def drain(self):
        """Waits until no endpoint has lines queued and nothing has arrived for a second."""
        s, recv = self.s, self.recv
        state = {"sig": None, "since": 0.0}

        def quiet():
            eps = endpoints_by_name(s)
            queued = sum(e.get("queue", {}).get("lines", 0) for e in eps.values())
            size = os.path.getsize(self.archive) if os.path.exists(self.archive) else 0
            sig = (len(recv.recorded()), size, queued)
            now = time.monotonic()
            if sig != state["sig"]:
                state["sig"], state["since"] = sig, now
            state["queues"] = {n: e.get("queue") for n, e in eps.items()}
            return queued == 0 and now - state["since"] >= 1.0
        try:
            self.wait(quiet, DRAIN_TIMEOUT, "every queue to drain")
        except AssertionError as e:
            raise AssertionError("%s; queues in /status: %r" % (e, state.get("queues")))

    def run(self):
        s, recv, args = self.s, self.recv, self.args
        # Before the first reload: the initial configuration is generation 1, never reloaded.
        check_config_object(config_status(s), s, 1, None, self.failures,
                            "%s at start" % self.name)
        self.sender = Sender(s.http, args.rate, args.batch).start()
        self.wait(lambda: recv.accepted("/web") and os.path.exists(self.archive), 20,
                  "the first deliveries to web and archive")
        self.settle(args.settle)
        for number, label in RELOADS:
            if number in (1, 4):
                # Failed requests around the switch: old lines are retried while new ones queue.
                recv.script("/web", [("status", 500), ("status", 503)])
            if number == 3:
                recv.script("/extra", [("status", 500)])
            self.reload(number, label)
            self.settle(args.settle)
            if self.disk and number == KILL_AFTER:
                self.kill_and_restart()
                self.settle(args.settle)
        self.sender.stop()
        self.alive_or_raise("the end of ingest")
        t = time.monotonic()
        self.timings["queued"] = {n: (e.get("queue") or {}).get("lines")
                                  for n, e in endpoints_by_name(s).items()}
        self.drain()
        self.timings["drain"] = time.monotonic() - t
        archive = os.path.realpath(self.archive)
        if open_by(s.proc.pid, archive):
            try:
                wait_until(lambda: not open_by(s.proc.pid, archive), 10, "")
            except AssertionError:
                self.failures.append("%s: the removed file endpoint still holds %s open" %
                                     (self.name, self.archive))
        t = time.monotonic()
        self.check()
        print("  lines queued when ingest stopped %s; drain %.1f s (1 s of it quiet), checks %.1f s"
              % (self.timings["queued"], self.timings["drain"], time.monotonic() - t))

    def check(self):
        sender = self.sender
        batches = list(sender.batches)
        done = [b for b in batches if b.end is not None]
        accepted = set()
        for b in done:
            accepted.update(range(b.first, b.last + 1))
        starts = sorted(b.first for b in batches)
        windows = {n: switch_window(batches, t_hup, t_seen)
                   for n, (t_hup, t_seen) in self.reload_times.items()}
        # An identical line may come again only where sluice could not tell it was delivered:
        # records routed before the kill -9 (at-least-once redelivery), and POSTs that got no
        # answer and were posted again. Anything routed after the restart comes once.
        retried = [(b.first, b.last) for b in batches if b.conn_errors]
        before_kill = max([b.last for b in batches if self.t_kill is not None and
                           b.first_start < self.t_kill], default=-1)

        def dup_ok(seq):
            return seq <= before_kill or any(f <= seq <= l for f, l in retried)
        lines = {"web": self.recv.accepted_lines("/web"),
                 "extra": self.recv.accepted_lines("/extra"),
                 "archive": read_lines(self.archive)}
        rate = self.print_progress()
        if windows:
            print("  switch windows (first record routed by the new version in (lo, hi]): " +
                  ", ".join("reload %d %s" % (n, windows[n]) for n in sorted(windows)))
        if not self.disk and rate < self.args.rate * 0.5:
            self.failures.append("%s: the sender reached only %.0f records/s of %d: the load "
                                 "this test is about was not there" %
                                 (self.name, rate, self.args.rate))
        infos = {}
        for ep in ("web", "archive", "extra"):
            f, info = check_endpoint(ep, lines[ep], TIMELINE[ep], starts, accepted, windows,
                                     dup_ok)
            self.failures.extend("%s: %s" % (self.name, x) for x in f)
            infos[ep] = info
            print("  %s: %d lines, %d distinct, %d identical redeliveries, per format %s, "
                  "switches %s" % (ep, info["lines"], info["distinct"], info["identical_dups"],
                                   info["per_tag"], ", ".join("reload %d at %d" % x
                                                               for x in info["switches"])))
        if not self.disk:
            # Counters outlive the versions: what /status counted for web and extra is what they
            # were given over the whole run.
            eps = endpoints_by_name(self.s)
            for ep in ("web", "extra"):
                st = eps.get(ep, {})
                want = infos[ep]["distinct"]
                if st.get("received") != want or st.get("delivered") != want:
                    self.failures.append(
                        "%s: %s: /status received %s delivered %s, but %d lines were rendered "
                        "for it over the run (counters not kept across reloads?)" %
                        (self.name, ep, st.get("received"), st.get("delivered"), want))

    def print_progress(self):
        """Prints what the sender did and the reloads so far; returns the records/s reached."""
        if self.sender is None:
            return 0.0
        p = self.sender.summary()
        lat = p["latency_ms"]
        print("%s: %d records in %d POSTs, %d accepted, %.0f records/s over %.1f s; POST "
              "latency median %.0f ms, max %.0f ms; %d answers 503 re-posted, %d POSTs without "
              "answer re-posted; fell behind the pace by more than 1 s %d time(s)" %
              (self.name, p["records"], p["posts"], p["accepted"], p["rate"], p["span"],
               lat[len(lat) // 2] if lat else 0, lat[-1] if lat else 0, p["busy"],
               p["conn_errors"], p["rebased"]))
        for note in self.reload_notes:
            print("  " + note)
        return p["rate"]

    def close(self):
        if self.sender is not None:
            try:
                self.sender.stop()
            except AssertionError:
                pass
        self.s.stop()
        self.recv.stop()


def scenario(args, workdir, name, disk):
    run = None
    try:
        run = Run(args, workdir, name, disk)
        run.run()
        return run.failures
    except AssertionError as e:
        if run is not None:
            run.print_progress()
        return (run.failures if run else []) + [str(e)]
    finally:
        if run is not None:
            run.close()


# ---- the checker's own test --------------------------------------------------------------------

def self_test():
    """The checker against synthetic deliveries: a faithful one passes, each kind of fault fails."""
    batch = 10
    starts = list(range(0, 300, batch))
    accepted = set(range(300))
    timeline = [(0, ("w1", ALL)), (1, ("w2", ALL)), (2, ("w2", ONLY_200))]
    windows = {1: (95, 120), 2: (195, 220)}

    def deliver(timeline, points, seqs=range(300)):
        phases = [p for _, p in timeline]
        out = []
        for s in seqs:
            tag = expected_tag(phases[bisect.bisect_right(points, s)], s)
            if tag:
                out.append(render(tag, s))
        return out[::-1]  # order of arrival does not matter

    def run(lines, tl=timeline, win=windows, dup_ok=lambda s: False, acc=accepted):
        return check_endpoint("ep", lines, tl, starts, acc, win, dup_ok)

    results = []

    def expect(what, lines, ok, needle="", **kw):
        failures, info = run(lines, **kw)
        good = (not failures) if ok else (failures and all(
            n in " ".join(failures) for n in needle.split("&") if n))
        results.append((what, good, failures, info))

    good = deliver(timeline, [100, 200])
    expect("faithful delivery passes", good, True)
    _, info = run(good)
    assert info["switches"] == [(1, 100), (2, 200)], info
    expect("a switch at another batch start in the window passes",
           deliver(timeline, [110, 220]), True)
    expect("a gap is loss", [l for l in good if l != render("w2", 150)], False, "lost&150")
    expect("a gap at the end is loss", [l for l in good if l != render("w2", 297)], False,
           "lost&297")
    expect("a record rendered twice with different tags",
           good + [render("w1", 150)], False, "rendered twice, differently")
    expect("an identical duplicate fails without redelivery",
           good + [render("w2", 150)], False, "more than once")
    expect("an identical duplicate passes as redelivery",
           good + [render("w2", 150)], True, dup_ok=lambda s: True)
    expect("tags going backwards", [render("w1", 130) if l == render("w2", 130) else l
                                    for l in good], False, "another version&130")
    expect("a switch in the middle of a batch", deliver(timeline, [105, 200]), False,
           "another version")
    expect("a switch outside its window", deliver(timeline, [150, 200]), False,
           "another version")
    expect("a non-200 record after the condition changed", good + [render("w2", 251)], False,
           "does not send here&251")
    expect("a 200 record missing after the condition changed",
           [l for l in good if l != render("w2", 252)], False, "lost&252")
    expect("a condition change that never happened", deliver(timeline, [100, 10 ** 9]), False,
           "does not send here")
    expect("a line in no format of the endpoint", good + ["w3|5|500"], False,
           "not what any version")
    expect("a line of another record's status", good + ["w2|151|200|GET /p/151"], False,
           "not what any version")

    removed = [(0, ("a1", ALL)), (1, ("a2", ALL)), (3, ABSENT)]
    win3 = {1: (95, 120), 3: (245, 260)}
    good3 = deliver(removed, [100, 250])
    expect("a removed endpoint: faithful", good3, True, tl=removed, win=win3)
    expect("a removed endpoint: lines after the removal", deliver(removed, [100, 280]), False,
           "does not send here", tl=removed, win=win3)
    expect("a removed endpoint: its queue not delivered",
           [l for l in good3 if not 230 <= parse_line(l, ["a1", "a2"])[0] < 250],
           False, "lost&230-249", tl=removed, win=win3)

    added = [(0, ABSENT), (2, ("e1", ALL))]
    win2 = {2: (145, 160)}
    good2 = deliver(added, [150])
    expect("an added endpoint: faithful", good2, True, tl=added, win=win2)
    expect("an added endpoint: a line before it existed", good2 + [render("e1", 120)], False,
           "does not send here&120", tl=added, win=win2)
    expect("an added endpoint: a gap after its start",
           [l for l in good2 if l != render("e1", 200)], False, "lost&200", tl=added, win=win2)
    # A record that was never accepted (its POST failed) may be missing without loss.
    expect("an unaccepted record may be missing", [l for l in good if l != render("w2", 150)],
           True, acc=accepted - {150})

    bad = [r for r in results if not r[1]]
    for what, ok, failures, info in results:
        print("%s %s" % ("ok  " if ok else "FAIL", what))
        if not ok:
            print("     failures: %s" % failures)
    print("self-test: %d of %d cases behave" % (len(results) - len(bad), len(results)))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice")
    ap.add_argument("--only", choices=("memory", "disk"))
    ap.add_argument("--rate", type=int, default=int(os.environ.get("SLUICE_RELOAD_RATE",
                                                                   "20000")))
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--settle", type=float,
                    default=float(os.environ.get("SLUICE_RELOAD_SETTLE", "3")))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.sluice:
        ap.error("--sluice is required")
    # The checker is checked first (34 ms): a checker that passes anything would hide every bug.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bad_checker = self_test()
    if bad_checker:
        print(out.getvalue() + "FAIL: the checker's self-test failed; nothing was run")
        return 1
    args.sluice = os.path.abspath(args.sluice)
    if not os.access(args.sluice, os.X_OK):
        print("FAIL: %s is not an executable sluice binary" % args.sluice)
        return 1
    workdir = tempfile.mkdtemp(prefix="sluice-reload-")
    failures = []
    started = time.monotonic()
    for name, disk in (("memory", False), ("disk", True)):
        if args.only and args.only != name:
            continue
        t = time.monotonic()
        f = scenario(args, workdir, name, disk)
        print("%s: %s (%.1f s)" % (name, "ok" if not f else "FAILED", time.monotonic() - t))
        failures += f
    print("total %.1f s" % (time.monotonic() - started))
    if failures:
        for f in failures:
            print("FAIL: " + f)
        print("work directory kept: %s" % workdir)
        return 1
    if args.keep:
        print("work directory kept: %s" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
