#!/usr/bin/env python3
"""Descriptor exhaustion cannot lock out ingest or the API (issue 14, item 1).

sluice runs with RLIMIT_NOFILE 1024:1024, so raising the soft limit cannot help; 1,100 idle
connections to its syslog TCP port would use every descriptor. Checks:
  - the sources' max_connections are lowered to fit the limit, with a warning that says so;
  - while the connections are held, /health answers and an HTTP ingest POST is accepted and
    delivered, each in under a second;
  - connections past the cap are closed at once, counted in
    sluice_source_connections_refused_total and logged;
  - idle connections are closed after idle_timeout and counted in
    sluice_source_idle_closed_total.
And the body budget (item 5): with body_budget = 1 MiB and a 900 KB body in progress, another
request's body is refused with 503 and Retry-After before it is read and counted in
sluice_source_bodies_refused_total; the body in progress is then accepted, and the budget held
(sluice_body_budget_held_bytes) is back at 0.
Everything stays on 127.0.0.1."""

import argparse
import os
import resource
import select
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request

from harness import Sluice, file_endpoint, free_port, read_lines, service_toml, wait_until
from harness import metric as metric_total

CONNECTIONS = 1100
IDLE_TIMEOUT = 4


def low_fd_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def timed(fn):
    t0 = time.monotonic()
    value = fn()
    return value, time.monotonic() - t0


def metric(api, name):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + '{source="syslog'):
                return float(line.rsplit(" ", 1)[1])
    return None


def gauge(api, name):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.rsplit(" ", 1)[1])
    return None


def check_body_budget(binary, w, failures):
    out = os.path.join(w, "budget.log")
    sl = Sluice(binary, w, "budget", service_toml("svc1", file_endpoint("ep", out)),
                storage=False, top_extra='body_budget = "1MiB"\n')
    api, port = sl.api, sl.http
    line = b"syslog svc1 ep :: " + b"x" * 81 + b"\n"  # 100 bytes
    body = line * 9000  # 900,000 bytes
    slow = socket.create_connection(("127.0.0.1", port))
    try:
        slow.sendall(b"POST /ingest/logs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n"
                     % len(body) + body[:1000])
        wait_until(lambda: (gauge(api, "sluice_body_budget_held_bytes") or 0) >= len(body), 10,
                   "the body in progress to hold its share of the budget")
        req = urllib.request.Request("http://127.0.0.1:%d/ingest/logs" % port,
                                     data=line * 6000, method="POST",
                                     headers={"Content-Type": "application/x-ndjson"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                failures.append("a body past the budget was answered %d" % r.status)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            if e.code != 503 or e.headers.get("Retry-After") != "1" or "body_budget" not in text:
                failures.append("past the budget: %d Retry-After=%r %s"
                                % (e.code, e.headers.get("Retry-After"), text))
        refused = metric_total(api, "sluice_source_bodies_refused_total")
        if refused != 1:
            failures.append("sluice_source_bodies_refused_total is %r, not 1" % refused)
        slow.sendall(body[1000:])
        answer = slow.recv(4096).decode(errors="replace")
        if not answer.startswith("HTTP/1.1 202"):
            failures.append("the body in progress was answered %r" % answer[:200])
        wait_until(lambda: gauge(api, "sluice_body_budget_held_bytes") == 0, 10,
                   "the budget to be given back")
        wait_until(lambda: len(read_lines(out)) == 9000, 10, "the accepted lines")
        if "refused a request body from" not in sl.stderr():
            failures.append("the refusal is not logged:\n%s" % sl.stderr()[-1500:])
    finally:
        slow.close()
        sl.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluice", required=True)
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    failures = []
    with tempfile.TemporaryDirectory() as w:
        syslog_port = free_port()
        out = os.path.join(w, "out.log")
        sl = Sluice(args.sluice, w, "limits", service_toml("svc1", file_endpoint("ep", out)),
                    storage=False, preexec_fn=low_fd_limit,
                    sources='[[source]]\ntype = "syslog"\nlisten = "127.0.0.1:%d"\n'
                            'idle_timeout = %d\n\n' % (syslog_port, IDLE_TIMEOUT))
        api, http_port = sl.api, sl.http
        held = []
        try:
            for _ in range(CONNECTIONS):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", syslog_port))
                held.append(s)
            time.sleep(0.5)  # let the accepts happen; what follows must not depend on it

            def health():
                with urllib.request.urlopen("http://127.0.0.1:%d/health" % api, timeout=5) as r:
                    return r.status
            status, took = timed(health)
            if status != 200 or took > 1.0:
                failures.append("/health: %s after %.2f s while %d connections are held"
                                % (status, took, CONNECTIONS))

            def ingest():
                req = urllib.request.Request(
                    "http://127.0.0.1:%d/ingest/logs" % http_port,
                    data=b"syslog svc1 ep :: still accepted\n", method="POST",
                    headers={"Content-Type": "application/x-ndjson"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status
            status, took = timed(ingest)
            if status != 202 or took > 1.0:
                failures.append("ingest: %s after %.2f s while %d connections are held"
                                % (status, took, CONNECTIONS))
            wait_until(lambda: read_lines(out) == ["still accepted"], 10, "the ingested line")

            refused = wait_until(lambda: metric(api, "sluice_source_connections_refused_total"),
                                 10, "refused connections to be counted")
            if refused < CONNECTIONS - 768:
                failures.append("only %d connections refused" % refused)
            stderr = sl.stderr()
            for want in ("max_connections 4096 lowered to", "refused a connection from"):
                if want not in stderr:
                    failures.append("stderr lacks %r:\n%s" % (want, stderr[-1500:]))

            # Idle ones are closed by the server after idle_timeout: every held socket sees EOF.
            def all_closed():
                poller = select.poll()
                by_fd = {s.fileno(): s for s in held}
                for fd in by_fd:
                    poller.register(fd, select.POLLIN)
                for fd, _ in poller.poll(0):
                    s = by_fd[fd]
                    try:
                        if s.recv(1) == b"":
                            held.remove(s)
                            s.close()
                    except OSError:
                        held.remove(s)
                        s.close()
                return not held
            wait_until(all_closed, IDLE_TIMEOUT * 4, "every held connection to be closed",
                       interval=0.2)
            idle = metric(api, "sluice_source_idle_closed_total")
            if not idle or idle < 1:
                failures.append("no idle connection counted as closed (%r)" % idle)
        finally:
            for s in held:
                s.close()
            sl.stop()
        check_body_budget(args.sluice, w, failures)
    if failures:
        print("FAIL\n" + "\n".join(failures))
        return 1
    print("ok: %d idle connections: caps fitted to RLIMIT_NOFILE, /health and ingest answer, "
          "refusals and idle closes counted; a body past body_budget is 503 and the budget "
          "empties after" % CONNECTIONS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
