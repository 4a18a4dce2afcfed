#!/usr/bin/env python3
"""/metrics stays valid Prometheus exposition text after hostile log lines, checked by promtool
(Debian's prometheus package, extracted by scripts/setup): an invalid UTF-8 byte, a quote, a
backslash and a newline escape in the names of log statements sent over syslog TCP and HTTP
ingest, and 10,000 made-up endpoint names in one POST, which add a bounded number of series.
Everything stays on 127.0.0.1."""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from harness import (INGEST_HEADERS, Sluice, file_endpoint, free_port, service_toml,
                     wait_until)

PROMTOOL_PATHS = ["/var/cache/sluice-peers/prometheus/usr/bin/promtool", "promtool"]


def promtool():
    for p in PROMTOOL_PATHS:
        found = shutil.which(p) if os.sep not in p else (p if os.access(p, os.X_OK) else None)
        if found:
            return found
    raise SystemExit("FAIL: promtool not found (scripts/setup extracts it into "
                     "/var/cache/sluice-peers/prometheus)")


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        return r.read()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluice", required=True)
    args = p.parse_args()
    tool = promtool()
    failures = []
    with tempfile.TemporaryDirectory() as w:
        syslog_port = free_port()
        sl = Sluice(args.sluice, w, "metrics",
                    service_toml("svc1", file_endpoint("ep", os.path.join(w, "out.log"))),
                    storage=False,
                    sources='[[source]]\ntype = "syslog"\nlisten = "127.0.0.1:%d"\n\n' % syslog_port)
        api, http_port = sl.api, sl.http
        try:
            hostile = [b"syslog sv\xffc1 x :: y", b'syslog svc1 a"b :: y', b"syslog svc1 a\\b :: y",
                       b"syslog svc1 \xc0\xaf :: y", b"syslog \xed\xa0\x80 ep :: y"]
            with socket.create_connection(("127.0.0.1", syslog_port)) as s:
                s.sendall(b"".join(b"<134>Nov 21 08:00:00 host app: " + h + b"\n" for h in hostile))
            body = b"".join(b"syslog svc1 spray%d :: y\n" % i for i in range(10000))
            body += b"syslog svc1 via\xfehttp :: y\n"
            req = urllib.request.Request("http://127.0.0.1:%d/ingest/logs" % http_port, data=body,
                                         method="POST", headers=INGEST_HEADERS)
            try:
                urllib.request.urlopen(req, timeout=30).read()
                failures.append("a body of only unknown endpoints was accepted")
            except urllib.error.HTTPError as e:  # every line is rejected: 400 with the reasons
                if e.code != 400:
                    failures.append("a body of only unknown endpoints got %d, not 400" % e.code)
            wait_until(lambda: b'endpoint="x"' in get(api, "/metrics"), 10,
                       "the hostile line's series")
            metrics = get(api, "/metrics")
            check = subprocess.run([tool, "check", "metrics"], input=metrics,
                                   capture_output=True)
            # promtool exits 1 for lint findings (such as a counter without _total), 3 for
            # text it cannot parse; its parse errors say "error while linting".
            if check.returncode not in (0, 1) or b"error while linting" in check.stderr:
                failures.append("promtool rejects /metrics (%d): %s" % (
                    check.returncode, check.stderr.decode(errors="replace")[:500]))
            series = [l for l in metrics.split(b"\n")
                      if l.startswith(b"sluice_unknown_endpoint_total{")]
            if len(series) > 40:
                failures.append("10,000 made-up names added %d series" % len(series))
            if b'endpoint="(other)"' not in metrics:
                failures.append("names past the cap are not counted under (other)")
        finally:
            sl.stop()
    if failures:
        print("FAIL\n" + "\n".join(failures))
        return 1
    print("ok: /metrics passes promtool after hostile names; unknown names add bounded series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
