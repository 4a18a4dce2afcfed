#!/usr/bin/env python3
"""The sources of `sluice run`, end to end: syslog over TCP (LF framing and octet counting),
TLS and UDP, HTTP ingest, and stdin, each delivering into file endpoints whose lines the test
reads back exactly. Also: a port in use fails at startup, naming the address.

    python3 tests/e2e/sources_test.py --sluice build/release/sluice

Everything listens on 127.0.0.1 on free ports and lives in a temporary directory; processes
are stopped by PID.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import INGEST_HEADERS, can_connect, free_port, http, read_lines, wait_until  # noqa: E402


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def post(port, path, body, method="POST"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body, method=method,
                                 headers=INGEST_HEADERS)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


SERVICE = """
[[service]]
id = "svc1"

  [[service.logging]]
  type = "file"
  name = "requests"
  path = "{w}/requests.log"
  format = '%m %U %>s'
  period = "100ms"

  [[service.logging]]
  type = "file"
  name = "logs"
  path = "{w}/logs.log"
  placement = "none"
  period = "100ms"
"""

NETWORK_CONFIG = """
[api]
listen = "127.0.0.1:{api}"

[[source]]
type = "syslog"
listen = "127.0.0.1:{tcp}"
protocol = "tcp"
service = "svc1"

[[source]]
type = "syslog"
listen = "127.0.0.1:{udp}"
protocol = "udp"
service = "svc1"

[[source]]
type = "syslog"
listen = "127.0.0.1:{tls}"
protocol = "tls"
tls_cert = "{w}/cert.pem"
tls_key = "{w}/key.pem"
service = "svc1"
payload = "log"

[[source]]
type = "http"
listen = "127.0.0.1:{http}"
max_body_bytes = 2048
""" + SERVICE

STDIN_CONFIG = """
[api]
enabled = false

[[source]]
type = "stdin"
service = "svc1"
""" + SERVICE


class Checker:
    def __init__(self):
        self.failures = []

    def eq(self, what, got, want):
        if got != want:
            self.failures.append("%s:\n  got  %r\n  want %r" % (what, got, want))

    def true(self, what, cond):
        if not cond:
            self.failures.append(what)


def record(method, url, status):
    return json.dumps({"req.method": method, "req.url": url, "resp.status": status},
                      separators=(",", ":"))


def check_network_sources(args, workdir, check):
    ports = {"api": free_port(), "tcp": free_port(), "udp": free_port(socket.SOCK_DGRAM),
             "tls": free_port(), "http": free_port()}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-keyout", os.path.join(workdir, "key.pem"),
                    "-out", os.path.join(workdir, "cert.pem")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config = os.path.join(workdir, "network.toml")
    with open(config, "w") as f:
        f.write(NETWORK_CONFIG.format(w=workdir, **ports))
    err_path = os.path.join(workdir, "network.stderr")
    with open(err_path, "w") as err:
        sluice = subprocess.Popen([args.sluice, "run", "-c", config], stdout=subprocess.DEVNULL,
                                  stderr=err)
    try:
        wait_until(lambda: can_connect(ports["api"]) or sluice.poll() is not None, 20,
                   "sluice to start")
        if sluice.poll() is not None:
            raise AssertionError("sluice exited with %d:\n%s" % (sluice.returncode,
                                                                 open(err_path).read()))
        # The banner follows the API's start: wait for it rather than race it.
        expected = ["syslog %s 127.0.0.1:%d" % (n, ports[n]) for n in ("tcp", "udp", "tls")]
        expected.append("http 127.0.0.1:%d" % ports["http"])
        try:
            wait_until(lambda: all(e in open(err_path).read() for e in expected), 10,
                       "the startup banner to list %s" % expected)
        except AssertionError as e:
            check.failures.append("%s; stderr:\n%s" % (e, open(err_path).read()))

        # TCP, LF framing: headers of both RFCs, a bare statement, a record, and a bad line.
        with socket.create_connection(("127.0.0.1", ports["tcp"])) as s:
            s.sendall(("<134>Nov 21 08:00:00 host app: syslog svc1 logs :: tcp-lf 3164\n"
                       "<134>1 2026-11-21T08:00:00Z host app - - [x@1 a=\"]\"] "
                       "\ufeffsyslog svc1 logs :: tcp-lf 5424\n"
                       "syslog svc1 logs :: tcp-lf bare\r\n"
                       "<190>Nov 21 08:00:00 web nginx: " + record("GET", "/tcp-lf", 200) + "\n"
                       "this is not a message\n").encode())
        # TCP, octet counting, with a frame that holds a newline (cut and counted by line rules).
        frames = ["<13>syslog svc1 logs :: tcp-octet one",
                  "<13>syslog svc1 logs :: tcp-octet two\nsecond line",
                  record("PUT", "/tcp-octet", 201)]
        with socket.create_connection(("127.0.0.1", ports["tcp"])) as s:
            s.sendall("".join("%d %s" % (len(f.encode()), f) for f in frames).encode())
        # TCP, octet counting, a hostile length first (issue 14): it is refused and counted as
        # rejected, and the good frames after it all arrive. The source logs at most a line a
        # second: the refusal waits for the bad LF line's report and a second more, to be seen.
        wait_until(lambda: "this is not a message" in open(err_path).read(), 10,
                   "the report of the bad TCP line")
        time.sleep(1.1)
        resync = ["<134>1 2026-11-21T08:00:00Z host app - - - syslog svc1 logs :: tcp-resync %d"
                  % i for i in range(50)]
        with socket.create_connection(("127.0.0.1", ports["tcp"])) as s:
            s.sendall(("999999999 <134>1 2026-11-21T08:00:00Z host app - - - "
                       "syslog svc1 logs :: hostile" +
                       "".join("%d %s" % (len(f.encode()), f) for f in resync)).encode())
        # UDP
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for d in ("<134>Nov 21 08:00:00 host app: syslog svc1 logs :: udp one",
                      record("DELETE", "/udp", 204)):
                s.sendto(d.encode(), ("127.0.0.1", ports["udp"]))
        # TLS; this source takes log statements only (payload = "log"), so a record is rejected.
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", ports["tls"])) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(("<134>Nov 21 08:00:00 host app: syslog svc1 logs :: tls one\n" +
                           record("GET", "/tls-rejected", 200) + "\n").encode())
        # HTTP ingest
        status, body, _ = post(ports["http"], "/ingest/svc1/requests",
                               (record("GET", "/http", 200) + "\n{broken\n").encode())
        check.eq("POST /ingest/svc1/requests status", status, 202)
        answer = json.loads(body)
        check.eq("POST /ingest/svc1/requests counts", (answer["accepted"], answer["rejected"],
                                                        [e["line"] for e in answer["errors"]]),
                 (1, 1, [2]))
        status, body, _ = post(ports["http"], "/ingest/logs",
                               b'syslog svc1 logs :: http plain\n"syslog svc1 logs :: http json"\n'
                               b"syslog svc1 nosuch :: dropped\n")
        check.eq("POST /ingest/logs", (status, json.loads(body)["accepted"],
                                       json.loads(body)["rejected"]), (202, 2, 1))
        status, body, _ = post(ports["http"], "/ingest/nosuch/requests", b"{}")
        check.eq("unknown service", (status, json.loads(body)), (404, {"error": 'unknown service "nosuch"'}))
        status, _, headers = post(ports["http"], "/ingest/logs", None, method="GET")
        check.eq("GET /ingest/logs", (status, headers.get("Allow")), (405, "POST"))
        status, _, _ = post(ports["http"], "/elsewhere", b"x")
        check.eq("POST /elsewhere", status, 404)
        status, body, _ = post(ports["http"], "/ingest/logs", b"x" * 3000)
        check.eq("oversized body", status, 413)

        want_logs = sorted(["tcp-lf 3164", "tcp-lf 5424", "tcp-lf bare", "tcp-octet one",
                            "tcp-octet two", "udp one", "tls one", "http plain", "http json"] +
                           ["tcp-resync %d" % i for i in range(50)])
        want_requests = sorted(["GET /tcp-lf 200", "PUT /tcp-octet 201", "DELETE /udp 204",
                                "GET /http 200"])
        logs_path = os.path.join(workdir, "logs.log")
        requests_path = os.path.join(workdir, "requests.log")
        try:
            wait_until(lambda: len(read_lines(logs_path)) >= len(want_logs) and
                       len(read_lines(requests_path)) >= len(want_requests), 10, "all lines")
        except AssertionError as e:
            check.failures.append(str(e))
        time.sleep(0.3)
        # Lines from different connections may interleave; within one connection order holds.
        got_logs = read_lines(logs_path)
        check.eq("logs.log", sorted(got_logs), want_logs)
        check.eq("logs.log order of the LF connection",
                 [l for l in got_logs if l.startswith("tcp-lf")],
                 ["tcp-lf 3164", "tcp-lf 5424", "tcp-lf bare"])
        check.eq("logs.log order of the resynchronised connection",
                 [l for l in got_logs if l.startswith("tcp-resync")],
                 ["tcp-resync %d" % i for i in range(50)])
        check.eq("requests.log", sorted(read_lines(requests_path)), want_requests)
        # The TCP source rejected the bad LF line and the refused octet count.
        _, text = http(ports["api"], "/metrics")
        tcp_rejected = [l.rsplit(" ", 1)[1] for l in text.splitlines() if l.startswith(
            'sluice_source_rejected_total{source="syslog tcp 127.0.0.1:%d"}' % ports["tcp"])]
        check.eq("sluice_source_rejected_total of the TCP source", tcp_rejected, ["2"])
    finally:
        stop(sluice)
    check.eq("sluice exit status after SIGTERM", sluice.returncode, 0)
    stderr = open(err_path).read()
    # Rejections are reported with the reason (rate-limited, so at least the first of a source).
    check.true("no rejection report for the bad TCP line:\n" + stderr,
               "this is not a message" in stderr)
    check.true("no report of the refused octet count:\n" + stderr,
               "refused an octet-counted frame of 999999999 bytes" in stderr)


def check_stdin_source(args, workdir, check):
    sub = os.path.join(workdir, "stdin")
    os.makedirs(sub)
    config = os.path.join(sub, "stdin.toml")
    with open(config, "w") as f:
        f.write(STDIN_CONFIG.format(w=sub))
    lines = [record("GET", "/stdin/%d" % i, 200) for i in range(1000)]
    lines.insert(500, "syslog svc1 logs :: from stdin")
    lines.insert(10, "neither")
    proc = subprocess.run([args.sluice, "run", "-c", config], input="\n".join(lines).encode(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    # At end of input the engine drains and exits by itself, like a pipeline stage.
    check.eq("sluice run with a stdin source: exit status", proc.returncode, 0)
    check.eq("stdin: requests.log", read_lines(os.path.join(sub, "requests.log")),
             ["GET /stdin/%d 200" % i for i in range(1000)])
    check.eq("stdin: logs.log", read_lines(os.path.join(sub, "logs.log")), ["from stdin"])
    check.true("stdin: the rejected line is not reported:\n" + proc.stderr.decode(),
               "neither" in proc.stderr.decode())


def check_port_in_use(args, workdir, check):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = os.path.join(workdir, "busy.toml")
        with open(config, "w") as f:
            f.write("[api]\nenabled = false\n[[source]]\ntype = \"syslog\"\n"
                    "listen = \"127.0.0.1:%d\"\nservice = \"svc1\"\n" % port +
                    SERVICE.format(w=workdir))
        proc = subprocess.run([args.sluice, "run", "-c", config], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
        err = proc.stderr.decode()
        check.true("a port in use does not fail startup (status %d)" % proc.returncode,
                   proc.returncode != 0)
        check.true("the error does not name 127.0.0.1:%d and the reason:\n%s" % (port, err),
                   "127.0.0.1:%d" % port in err and "in use" in err)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True, help="path to the sluice binary")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="sluice-sources-")
    check = Checker()
    try:
        check_network_sources(args, workdir, check)
        check_stdin_source(args, workdir, check)
        check_port_in_use(args, workdir, check)
    except AssertionError as e:
        check.failures.append(str(e))
    if check.failures or args.keep:
        print("kept %s for inspection" % workdir, file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    for f in check.failures:
        print("FAIL: " + f, file=sys.stderr)
    if check.failures:
        return 1
    print("ok: syslog tcp/udp/tls, http ingest and stdin sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
