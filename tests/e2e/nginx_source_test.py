#!/usr/bin/env python3
"""nginx as a real source: a real nginx, configured with integrations/nginx/sluice.conf, sends
its access log over UDP syslog (RFC 3164) to `sluice run`, which renders each request record
into file endpoints. The test sends HTTP requests to nginx and checks the exact lines sluice
writes.

    python3 tests/e2e/nginx_source_test.py --sluice build/release/sluice

Everything listens on 127.0.0.1 on free ports, lives in a temporary directory, and is stopped
by PID.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import can_connect, free_port, read_lines, wait_until  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED_CONF = os.path.join(REPO, "integrations", "nginx", "sluice.conf")


def stop(proc, name):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print("%s (pid %d) did not stop on SIGTERM; killing it" % (name, proc.pid), file=sys.stderr)
        proc.kill()
        proc.wait()


def nginx_conf(workdir, http_port, syslog_port):
    # The shipped snippet, pointed at this test's syslog port: the test checks the file users
    # install, not a copy of it.
    with open(SHIPPED_CONF, encoding="utf-8") as f:
        snippet = f.read()
    if "127.0.0.1:5140" not in snippet:
        raise AssertionError("%s no longer sends to 127.0.0.1:5140" % SHIPPED_CONF)
    snippet = snippet.replace("127.0.0.1:5140", "127.0.0.1:%d" % syslog_port)
    with open(os.path.join(workdir, "sluice.conf"), "w", encoding="utf-8") as f:
        f.write(snippet)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(workdir, "tmp", d), exist_ok=True)
    return """
daemon off;
master_process off;
worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log info;
events {{ worker_connections 64; }}
http {{
    include {w}/sluice.conf;
    client_body_temp_path {w}/tmp/body;
    proxy_temp_path {w}/tmp/proxy;
    fastcgi_temp_path {w}/tmp/fastcgi;
    uwsgi_temp_path {w}/tmp/uwsgi;
    scgi_temp_path {w}/tmp/scgi;
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        location = /missing {{ return 404 "nope\\n"; }}
        location = /fail {{ return 503 "unavailable\\n"; }}
        location / {{ return 200 "hello world\\n"; }}
    }}
}}
""".format(w=workdir, port=http_port)


SLUICE_CONFIG = """
[api]
listen = "127.0.0.1:{api_port}"

[[source]]
type = "syslog"
listen = "127.0.0.1:{syslog_port}"
protocol = "udp"
service = "www"

[[service]]
id = "www"
name = "www"

  [[service.condition]]
  name = "errors_only"
  statement = "resp.status >= 400"
  type = "RESPONSE"

  [[service.logging]]
  type = "file"
  name = "access"
  path = "{w}/access.log"
  format = '%h "%r" %>s %b "%{{User-Agent}}i"'
  message_type = "blank"
  period = "100ms"

  [[service.logging]]
  type = "file"
  name = "errors"
  path = "{w}/errors.log"
  format = '{{"host":"%{{json.escape(req.http.host)}}V","url":"%{{json.escape(req.url)}}V","status":%>s,"bytes":%B,"read":%{{req.bytes_read}}V,"ref":"%{{json.escape(req.http.Referer)}}V","ua":"%{{json.escape(req.http.user-agent)}}V"}}'
  response_condition = "errors_only"
  message_type = "blank"
  period = "100ms"

  [[service.logging]]
  type = "file"
  name = "timing"
  path = "{w}/timing.log"
  format = '%t %{{time.elapsed.usec}}V %{{server.ip}}V %{{client.ip}}V'
  message_type = "blank"
  period = "100ms"
"""


# JSON escaping both ways: nginx's escape=json writes it, sluice decodes it, json.escape renders it.
UA_WITH_QUOTES = 'agent "quoted" \\ back \u00e9'


def get(url, headers=None, data=None):
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True, help="path to the sluice binary")
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not os.path.exists(args.nginx):
        print("SKIP: nginx is not installed (apt-get install nginx)")
        return 77

    workdir = tempfile.mkdtemp(prefix="sluice-nginx-")
    http_port = free_port()
    syslog_port = free_port(socket.SOCK_DGRAM)
    api_port = free_port()
    sluice = nginx = None
    failures = []
    try:
        config_path = os.path.join(workdir, "sluice.toml")
        with open(config_path, "w", encoding="utf-8") as f:
            f.write(SLUICE_CONFIG.format(w=workdir, syslog_port=syslog_port, api_port=api_port))
        sluice_err = open(os.path.join(workdir, "sluice.stderr"), "w")
        sluice = subprocess.Popen([args.sluice, "run", "-c", config_path],
                                  stdout=subprocess.DEVNULL, stderr=sluice_err)
        # The API answers once the engine has bound every source.
        wait_until(lambda: can_connect(api_port) or sluice.poll() is not None, 20, "sluice to start")
        if sluice.poll() is not None:
            raise AssertionError("sluice exited with %d:\n%s" % (
                sluice.returncode, open(os.path.join(workdir, "sluice.stderr")).read()))

        conf_path = os.path.join(workdir, "nginx.conf")
        with open(conf_path, "w", encoding="utf-8") as f:
            f.write(nginx_conf(workdir, http_port, syslog_port))
        env = dict(os.environ, TZ="UTC")
        nginx = subprocess.Popen([args.nginx, "-p", workdir, "-c", conf_path,
                                  "-e", os.path.join(workdir, "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        wait_until(lambda: can_connect(http_port) or nginx.poll() is not None, 20, "nginx to start")
        if nginx.poll() is not None:
            raise AssertionError("nginx exited with %d: %s" % (nginx.returncode,
                                                              nginx.stderr.read().decode()))

        base = "http://127.0.0.1:%d" % http_port
        requests = [
            ("/a?b=1&c=%22q%22", {"User-Agent": "sluice-e2e/1"}, None, 200, b"hello world\n"),
            # http.client sends header text as Latin-1; these are the UTF-8 bytes of the "é".
            ("/missing", {"User-Agent": UA_WITH_QUOTES.encode().decode("latin-1"),
                          "Referer": "http://r.example/x"},
             None, 404, b"nope\n"),
            ("/fail", {"User-Agent": "sluice-e2e/2"}, None, 503, b"unavailable\n"),
            ("/post", {"User-Agent": "sluice-e2e/3", "Content-Type": "text/plain"}, b"12345", 200,
             b"hello world\n"),
        ]
        sent_at = datetime.datetime.now(datetime.timezone.utc)
        for path, headers, data, want_status, want_body in requests:
            status, body = get(base + path, headers, data)
            if (status, body) != (want_status, want_body):
                failures.append("nginx answered %s with %d %r, expected %d %r" % (
                    path, status, body, want_status, want_body))
            # One at a time: UDP datagrams from one sender on loopback keep their order, and
            # each line then follows its request.
            time.sleep(0.05)

        method_line = lambda m, p: '127.0.0.1 "%s %s HTTP/1.1"' % (m, p)
        want_access = [
            '%s 200 12 "sluice-e2e/1"' % method_line("GET", "/a?b=1&c=%22q%22"),
            '%s 404 5 "%s"' % (method_line("GET", "/missing"), UA_WITH_QUOTES),
            '%s 503 12 "sluice-e2e/2"' % method_line("GET", "/fail"),
            '%s 200 12 "sluice-e2e/3"' % method_line("POST", "/post"),
        ]
        access_path = os.path.join(workdir, "access.log")
        wait_until(lambda: len(read_lines(access_path)) >= len(want_access), 10,
                   "%d lines in %s" % (len(want_access), access_path))
        time.sleep(0.3)  # nothing more may arrive
        got_access = read_lines(access_path)
        if got_access != want_access:
            failures.append("access.log:\n  got  %r\n  want %r" % (got_access, want_access))

        errors_path = os.path.join(workdir, "errors.log")
        wait_until(lambda: len(read_lines(errors_path)) >= 2, 10, "2 lines in errors.log")
        time.sleep(0.3)
        got_errors = [json.loads(l) for l in read_lines(errors_path)]
        host = "127.0.0.1:%d" % http_port
        # req.bytes_read is nginx's $request_length: the whole request as received. Compare it
        # with what the client really sent rather than a constant.
        want_errors = [
            {"host": host, "url": "/missing", "status": 404, "bytes": 5, "ref": "http://r.example/x",
             "ua": UA_WITH_QUOTES},
            {"host": host, "url": "/fail", "status": 503, "bytes": 12, "ref": "", "ua": "sluice-e2e/2"},
        ]
        for got, want in zip(got_errors, want_errors):
            read = got.pop("read", None)
            if not isinstance(read, int) or read < 60:
                failures.append("errors.log: req.bytes_read %r is not a plausible request size" % read)
        if got_errors != want_errors:
            failures.append("errors.log:\n  got  %r\n  want %r" % (got_errors, want_errors))

        timing_path = os.path.join(workdir, "timing.log")
        wait_until(lambda: len(read_lines(timing_path)) >= len(requests), 10, "timing.log")
        pattern = re.compile(r"^\[(\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] (\d+) "
                             r"127\.0\.0\.1 127\.0\.0\.1$")
        for line in read_lines(timing_path):
            m = pattern.match(line)
            if not m:
                failures.append("timing.log: unexpected line %r" % line)
                continue
            when = datetime.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z")
            if abs((when - sent_at).total_seconds()) > 60:
                failures.append("timing.log: time.start %s is not near %s" % (when, sent_at))
            if int(m.group(2)) > 5_000_000:
                failures.append("timing.log: time.elapsed.usec %s is implausible" % m.group(2))

        # sluice counted what it received and rejected nothing.
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % api_port, timeout=5) as resp:
            metrics = resp.read().decode()
        rejected = [l for l in metrics.splitlines()
                    if "rejected" in l and not l.startswith("#") and not l.rstrip().endswith(" 0")]
        if rejected:
            failures.append("sluice rejected messages: %s" % rejected)
        received = [l for l in metrics.splitlines() if l.startswith("sluice_source_messages_total")]
        if len(received) != 1 or not received[0].endswith(" %d" % len(requests)):
            failures.append("sluice_source_messages_total is not %d: %s" % (len(requests), received))
    finally:
        stop(nginx, "nginx")
        stop(sluice, "sluice")
        if failures or args.keep:
            print("kept %s for inspection" % workdir, file=sys.stderr)
            for name in ("sluice.stderr", "error.log"):
                p = os.path.join(workdir, name)
                if os.path.exists(p):
                    print("---- %s\n%s" % (name, open(p, errors="replace").read()[-4000:]),
                          file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    if failures:
        for f in failures:
            print("FAIL: " + f, file=sys.stderr)
        return 1
    print("ok: nginx -> syslog udp -> sluice -> file endpoints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
