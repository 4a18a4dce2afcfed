#!/usr/bin/env python3
"""The https endpoint against real receivers: the project's own (tests/e2e/https_receiver.py)
over HTTP, HTTPS with a CA made here by openssl, and mTLS.

Checks: exact bodies for json_format 0/1/2 (invalid JSON lines sent as strings and counted);
request_max_entries, request_max_bytes and period; gzip and zstd bodies; custom headers and
content type; TLS with a self-signed CA, tls_hostname, and mTLS with a client certificate; the
domain-ownership challenge (hash, "*", failure shown in /status, recovery, one GET per origin,
one answer judged per service); no loss and no reordering across 500 / 429 + Retry-After / hang (timeout) / closed-connection storms; 400 to
the dead letter (file under storage.dir, and stderr without it) with the status and the start of
the body in the error stream; `sluice challenge`.

    python3 tests/e2e/https_endpoint_test.py --sluice build/release/sluice

Everything listens on 127.0.0.1 on free ports and lives in a temporary directory; sluice is
stopped by PID.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Sluice, free_port, make_pki, service_toml as service,  # noqa: E402
                     wait_until)
from https_receiver import Receiver  # noqa: E402


def token(service):
    return hashlib.sha256(service.encode()).hexdigest()


class Checker:
    def __init__(self):
        self.failures = []

    def eq(self, what, got, want):
        if got != want:
            self.failures.append("%s:\n  got  %r\n  want %r" % (what, got, want))

    def true(self, what, cond):
        if not cond:
            self.failures.append(what)


def endpoint(name, url, extra="", service_fields=""):
    return """
  [[service.logging]]
  type = "https"
  name = "%s"
  url = "%s"
  placement = "none"
  format = "%%h"
%s
""" % (name, url, extra)


# ---- checks -------------------------------------------------------------------------------

def check_formats_limits_compression_headers(args, w, check):
    r = Receiver(challenge="# sluice test receiver\n%s\n" % token("svc1")).start()
    eps = (endpoint("f0", r.url("/f0"), 'json_format = "0"\n  request_max_entries = 4\n'
                    '  period = 30')
           + endpoint("f1", r.url("/f1"), 'json_format = "1"\n  request_max_entries = 4\n'
                      '  period = 30')
           + endpoint("f2", r.url("/f2"), 'json_format = "2"\n  request_max_entries = 4\n'
                      '  period = 30\n  method = "PUT"')
           + endpoint("entries", r.url("/entries"), 'request_max_entries = 10\n  period_ms = 400\n  concurrency = 1')
           + endpoint("bytes", r.url("/bytes"), 'request_max_bytes = 1024\n  period = 2\n  concurrency = 1\n'
                      '  request_max_entries = 1000')
           + endpoint("period", r.url("/period"), "period_ms = 700")
           + endpoint("gz", r.url("/gz"), 'json_format = "2"\n  compression_codec = "gzip"\n'
                      '  period_ms = 200')
           # gzip_level 9: the other gzip compressor (libdeflate; igzip writes levels 1-3).
           + endpoint("gz9", r.url("/gz9"), 'json_format = "2"\n  gzip_level = 9\n'
                      '  period_ms = 200')
           + endpoint("zs", r.url("/zs"), 'json_format = "2"\n  compression_codec = "zstd"\n'
                      '  period_ms = 200')
           + endpoint("hdr", r.url("/hdr?x=1"), 'header_name = "Authorization"\n'
                      '  header_value = "Bearer s3cret"\n  headers = { "X-Team" = "edge", '
                      '"X-Env" = "test" }\n  content_type = "application/vnd.test"\n'
                      '  period_ms = 100'))
    s = Sluice(args.sluice, w, "formats", service("svc1", eps))
    try:
        lines = ['{"a":1}', 'plain "text"', '[1,2]', '{"b":']
        for ep in ("f0", "f1", "f2"):
            s.send("svc1", ep, lines)
        wait_until(lambda: all(r.accepted(p) for p in ("/f0", "/f1", "/f2")), 15,
                   "one request per json_format")
        check.eq("json_format 0 body", r.accepted("/f0")[0].text(),
                 '{"a":1}\nplain "text"\n[1,2]\n{"b":')
        check.eq("json_format 1 body", r.accepted("/f1")[0].text(),
                 '[{"a":1},"plain \\"text\\"",[1,2],"{\\"b\\":"]')
        check.eq("json_format 2 body", r.accepted("/f2")[0].text(),
                 '{"a":1}\n"plain \\"text\\""\n[1,2]\n"{\\"b\\":"\n')
        check.eq("json_format 2 method", r.accepted("/f2")[0].method, "PUT")
        check.eq("json_format 0 content type", r.accepted("/f0")[0].headers.get("content-type"),
                 "text/plain")
        check.eq("json_format 1 content type", r.accepted("/f1")[0].headers.get("content-type"),
                 "application/json")
        check.eq("invalid JSON lines counted (f1)",
                 s.metric("sluice_endpoint_invalid_json_total", "f1"), 2.0)
        check.eq("invalid JSON lines not looked at for format 0",
                 s.metric("sluice_endpoint_invalid_json_total", "f0"), 0.0)

        # Entries: 25 lines, at most 10 per request; the last 5 wait for the period.
        t0 = time.monotonic()
        s.send("svc1", "entries", ["e%02d" % i for i in range(25)])
        wait_until(lambda: len(r.accepted_lines("/entries")) == 25, 15, "25 lines to /entries")
        sizes = [len(x.text().split("\n")) for x in r.accepted("/entries")]
        check.eq("request_max_entries = 10 splits 25 lines", sizes, [10, 10, 5])
        check.eq("entries in order", r.accepted_lines("/entries"), ["e%02d" % i for i in range(25)])
        last = r.accepted("/entries")[-1].at - t0
        check.true("the partial batch waited for period_ms = 400 (%.2fs)" % last, last >= 0.3)

        # Bytes: 100-byte lines, 1024 bytes per request: 10 lines (10 * 101 - 1 = 1009 bytes);
        # the last 5 lines (504 bytes) wait for the period.
        blines = [("b%03d" % i) + "x" * 96 for i in range(35)]
        s.send("svc1", "bytes", blines)
        wait_until(lambda: len(r.accepted_lines("/bytes")) == 35, 15, "35 lines to /bytes")
        bsizes = [len(x.body) for x in r.accepted("/bytes")]
        check.eq("request_max_bytes = 1024 gives 1009-byte bodies", bsizes,
                 [1009, 1009, 1009, 504])
        check.eq("bytes in order", r.accepted_lines("/bytes"), blines)

        # Period: a lone line waits period_ms, not more than a little longer.
        t0 = time.monotonic()
        s.send("svc1", "period", ["lonely"])
        wait_until(lambda: r.accepted("/period"), 10, "the lone line")
        waited = r.accepted("/period")[0].at - t0
        check.true("period_ms = 700: the line waited %.2fs" % waited, 0.6 <= waited < 2.5)

        # Compression
        clines = ['{"n":%d,"pad":"%s"}' % (i, "z" * 50) for i in range(200)]
        s.send("svc1", "gz", clines)
        s.send("svc1", "gz9", clines)
        s.send("svc1", "zs", clines)
        wait_until(lambda: len(r.accepted_lines("/gz")) == 200 and
                   len(r.accepted_lines("/gz9")) == 200 and
                   len(r.accepted_lines("/zs")) == 200, 15, "compressed bodies")
        check.eq("gzip body decodes to the lines", r.accepted_lines("/gz"), clines)
        check.eq("gzip_level 9 body decodes to the lines", r.accepted_lines("/gz9"), clines)
        check.eq("gzip_level 9 Content-Encoding",
                 r.accepted("/gz9")[0].headers.get("content-encoding"), "gzip")
        check.eq("zstd body decodes to the lines", r.accepted_lines("/zs"), clines)
        check.eq("gzip Content-Encoding", r.accepted("/gz")[0].headers.get("content-encoding"),
                 "gzip")
        check.eq("zstd Content-Encoding", r.accepted("/zs")[0].headers.get("content-encoding"),
                 "zstd")
        check.true("gzip compresses", r.accepted("/gz")[0].raw != r.accepted("/gz")[0].body and
                   len(r.accepted("/gz")[0].raw) < len(r.accepted("/gz")[0].body) / 3)

        # Headers
        s.send("svc1", "hdr", ["with headers"])
        wait_until(lambda: r.accepted("/hdr?x=1"), 10, "the request with headers")
        h = r.accepted("/hdr?x=1")[0].headers
        check.eq("header_name/header_value", h.get("authorization"), "Bearer s3cret")
        check.eq("headers table X-Team", h.get("x-team"), "edge")
        check.eq("headers table X-Env", h.get("x-env"), "test")
        check.eq("content_type", h.get("content-type"), "application/vnd.test")
        # Ten endpoints of one service reach this receiver the same way: one GET for them all.
        check.eq("the challenge was asked once for the receiver's ten endpoints", r.challenges, 1)
        st = s.endpoint_status("hdr")
        check.eq("status state ok", st["state"], "ok")
        check.true("Authorization value never in /status", "s3cret" not in s.get("/status"))
    finally:
        s.stop()
        r.stop()


def check_tls(args, w, check):
    pki = make_pki(w)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(pki["server.pem"], pki["server.key"])
    tls = Receiver(challenge="*", ssl_context=server_ctx).start()
    mtls_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    mtls_ctx.load_cert_chain(pki["server.pem"], pki["server.key"])
    mtls_ctx.load_verify_locations(pki["ca.pem"])
    mtls_ctx.verify_mode = ssl.CERT_REQUIRED
    mtls = Receiver(challenge="*", ssl_context=mtls_ctx).start()
    with open(pki["client.key"]) as f:
        client_key_pem = f.read()
    eps = (endpoint("tls", tls.url("/tls"), 'tls_ca_cert = "%s"\n  period_ms = 100' % pki["ca.pem"])
           + endpoint("tls_name", tls.url("/name"), 'tls_ca_cert = "%s"\n  tls_hostname = '
                      '"logs.test"\n  period_ms = 100' % pki["ca.pem"])
           + endpoint("untrusted", tls.url("/untrusted"), "period_ms = 100")
           + endpoint("mtls", mtls.url("/mtls"), 'tls_ca_cert = "%s"\n  tls_client_cert = "%s"\n'
                      "  tls_client_key = '''%s'''\n  period_ms = 100"
                      % (pki["ca.pem"], pki["client.pem"], client_key_pem))
           + endpoint("no_client_cert", mtls.url("/nocert"), 'tls_ca_cert = "%s"\n'
                      '  period_ms = 100' % pki["ca.pem"]))
    s = Sluice(args.sluice, w, "tls", service("svc1", eps))
    try:
        for ep in ("tls", "tls_name", "untrusted", "mtls", "no_client_cert"):
            s.send("svc1", ep, ["over %s" % ep])
        wait_until(lambda: tls.accepted("/tls") and tls.accepted("/name") and
                   mtls.accepted("/mtls"), 15, "TLS deliveries")
        check.eq("TLS with the test CA", tls.accepted_lines("/tls"), ["over tls"])
        check.eq("TLS with tls_hostname", tls.accepted_lines("/name"), ["over tls_name"])
        check.eq("mTLS delivery", mtls.accepted_lines("/mtls"), ["over mtls"])
        check.eq("mTLS client certificate seen by the receiver",
                 (mtls.accepted("/mtls")[0].client_cert or {}).get("commonName"), "sluice-client")
        wait_until(lambda: s.endpoint_status("untrusted")["last_error"] is not None and
                   s.endpoint_status("no_client_cert")["last_error"] is not None, 10,
                   "TLS failures in /status")
        time.sleep(0.5)
        check.eq("nothing delivered without trusting the CA", tls.accepted("/untrusted"), [])
        check.eq("nothing delivered without a client certificate", mtls.accepted("/nocert"), [])
        st = s.endpoint_status("untrusted")
        check.true("untrusted: a configuration error in /status: %r" % st,
                   st["state"] in ("challenge_failed", "error") and
                   st["last_error"]["class"] == "configuration")
        check.eq("untrusted: the line stays queued", st["queue"]["lines"], 1)
    finally:
        s.stop()
        tls.stop()
        mtls.stop()


def check_challenge(args, w, check):
    r = Receiver(challenge="0" * 64 + "\n").start()  # serves someone else's hash
    open_r = Receiver(challenge="*\n").start()
    none_r = Receiver(challenge=None).start()  # 404 at the challenge path
    shared_r = Receiver(challenge=token("svcC") + "\n").start()  # one of two services' hashes
    eps = (endpoint("owned", r.url("/owned"), 'period_ms = 100\n  max_backoff = "500ms"')
           + endpoint("star", open_r.url("/star"), "period_ms = 100")
           + endpoint("unverified", none_r.url("/mine"), "period_ms = 100\n"
                      "  verify_ownership = false")
           + endpoint("sharedC", shared_r.url("/c"), "period_ms = 100"))
    other = endpoint("sharedD", shared_r.url("/d"), 'period_ms = 100\n  max_backoff = "500ms"')
    s = Sluice(args.sluice, w, "challenge", service("svcC", eps) + service("svcD", other))
    try:
        s.send("svcC", "owned", ["c1", "c2"])
        s.send("svcC", "star", ["s1"])
        s.send("svcC", "unverified", ["u1"])
        wait_until(lambda: s.endpoint_status("owned")["state"] == "challenge_failed", 10,
                   "owned to show challenge_failed")
        st = s.endpoint_status("owned")
        msg = st["last_error"]["message"] if st["last_error"] else ""
        check.true("the /status error names the challenge and the expected line: %r" % msg,
                   "challenge" in msg and token("svcC") in msg)
        wait_until(lambda: open_r.accepted("/star") and none_r.accepted("/mine"), 10,
                   "the * and verify_ownership = false endpoints")
        check.eq("the * form", open_r.accepted_lines("/star"), ["s1"])
        check.eq("verify_ownership = false sends without asking", none_r.challenges, 0)
        check.eq("verify_ownership = false delivery", none_r.accepted_lines("/mine"), ["u1"])
        time.sleep(1.0)
        check.eq("nothing is sent while the challenge fails", r.recorded("/owned"), [])
        check.true("the challenge is asked again with backoff (%d)" % r.challenges,
                   r.challenges >= 2)
        s.send("svcC", "owned", ["c3"])
        # The receiver starts serving our hash: sluice recovers and sends everything, in order.
        r.challenge = "%s\n%s\n" % ("f" * 64, token("svcC"))
        wait_until(lambda: len(r.accepted_lines("/owned")) == 3, 10, "recovery")
        check.eq("after recovery, every line in order", r.accepted_lines("/owned"),
                 ["c1", "c2", "c3"])
        wait_until(lambda: s.endpoint_status("owned")["state"] == "ok", 5, "state ok")

        # Two services, one receiver: its answer lists svcC's hash only. The GET is shared, and
        # each service is judged by its own line.
        s.send("svcC", "sharedC", ["sc"])
        s.send("svcD", "sharedD", ["sd"])
        wait_until(lambda: shared_r.accepted("/c"), 10, "svcC's line to the shared receiver")
        wait_until(lambda: s.endpoint_status("sharedD")["state"] == "challenge_failed", 10,
                   "svcD to show challenge_failed")
        msg = (s.endpoint_status("sharedD")["last_error"] or {}).get("message", "")
        check.true("svcD's error names svcD's line: %r" % msg, token("svcD") in msg)
        check.eq("svcD sends nothing", shared_r.recorded("/d"), [])
        shared_r.challenge = "%s\n%s\n" % (token("svcC"), token("svcD"))
        wait_until(lambda: shared_r.accepted("/d"), 10, "svcD once its hash is served")
        check.eq("svcC at the shared receiver", shared_r.accepted_lines("/c"), ["sc"])
        check.eq("svcD at the shared receiver", shared_r.accepted_lines("/d"), ["sd"])
    finally:
        s.stop()
        for x in (r, open_r, none_r, shared_r):
            x.stop()


def check_storms(args, w, check):
    r = Receiver(challenge=token("svcS")).start()
    eps = (endpoint("serial", r.url("/serial"), 'concurrency = 1\n  request_max_entries = 50\n'
                    '  period_ms = 50\n  timeout = "1s"\n  max_backoff = "300ms"')
           + endpoint("wide", r.url("/wide"), 'concurrency = 4\n  request_max_entries = 50\n'
                      '  period_ms = 50\n  timeout = "1s"\n  max_backoff = "300ms"'))
    s = Sluice(args.sluice, w, "storms", service("svcS", eps))
    try:
        storm = [("status", 500), ("status", 503), ("status", 429, {"Retry-After": "1"}),
                 ("hang", 2.5), ("close",), ("status", 502), ("status", 200), ("status", 500),
                 ("close",), ("status", 429, {"Retry-After": "0"}), ("status", 200),
                 ("hang", 1.5), ("status", 500)]
        r.script("/serial", storm)
        r.script("/wide", storm)
        expected = ["seq %05d" % i for i in range(1500)]
        for i in range(0, 1500, 100):
            s.send("svcS", "serial", expected[i:i + 100])
            s.send("svcS", "wide", expected[i:i + 100])
            time.sleep(0.05)
        wait_until(lambda: len(r.accepted_lines("/serial")) >= 1500 and
                   len(set(r.accepted_lines("/wide"))) >= 1500, 45, "every line after the storm")
        check.eq("concurrency 1: every line once, in order, across the storm",
                 r.accepted_lines("/serial"), expected)
        wide = r.accepted_lines("/wide")
        check.eq("concurrency 4: no line lost", sorted(set(wide)), expected)
        check.eq("concurrency 4: no line twice among accepted requests", len(wide), 1500)
        for req in r.accepted("/wide"):
            got = req.text().split("\n")
            first = expected.index(got[0])
            if got != expected[first:first + len(got)]:
                check.failures.append("concurrency 4: a request's lines are not contiguous")
                break
        # Only requests in flight together may pass each other: a failed one is retried before
        # any new batch goes out. So no line lands more than 3 requests (150 lines) from its place.
        place = {line: i for i, line in enumerate(wide)}
        worst = max(abs(place[line] - i) for i, line in enumerate(expected))
        check.true("concurrency 4: lines at most 150 places from queue order (worst %d)" % worst,
                   worst <= 150)
        # Retry-After: 1 was honoured: the first 429 of the script carries it, and the retry of
        # that request (the next one, with concurrency 1) came a second later.
        reqs = r.recorded("/serial")
        first_429 = next(i for i, q in enumerate(reqs) if q.status == 429)
        gap = reqs[first_429 + 1].at - reqs[first_429].at
        check.true("Retry-After: 1 honoured (%.2fs)" % gap, gap >= 0.9)
        check.true("retries were counted", (s.metric("sluice_endpoint_retried_total", "serial")
                                            or 0) > 0)
        check.eq("nothing dropped", s.metric("sluice_endpoint_dropped_total", "serial",
                                             'reason="permanent_error"'), 0.0)
        wait_until(lambda: s.endpoint_status("serial")["state"] == "ok", 10, "state ok again")
    finally:
        s.stop()
        r.stop()


def check_dead_letter(args, w, check):
    r = Receiver(challenge=token("svcD")).start()
    eps = endpoint("dl", r.url("/dl"), "period_ms = 100\n  request_max_entries = 3")
    s = Sluice(args.sluice, w, "deadletter", service("svcD", eps))
    try:
        r.script("/dl", [("status", 400, {}, b"bad batch: field \"x\" is required\n" +
                          b"y" * 1000)])
        s.send("svcD", "dl", ["bad1", "bad2", "bad3"])
        wait_until(lambda: r.accepted("/dl") or len(r.recorded("/dl")) >= 1, 10, "the 400")
        s.send("svcD", "dl", ["good1"])
        wait_until(lambda: r.accepted_lines("/dl") == ["good1"], 10, "delivery after the 400")
        # With storage.dir the endpoint has a disk queue, which keeps refused lines in its
        # dead-letter segments: `sluice queue inspect` counts them.
        def inspected_dead_letters():
            out = subprocess.run([args.sluice, "queue", "inspect", s.storage],
                                 capture_output=True, text=True)
            m = re.search(r"dead_letter (\d+)", out.stdout)
            return int(m.group(1)) if m else -1
        wait_until(lambda: inspected_dead_letters() == 3, 5, "3 dead letters in queue inspect")
        check.eq("queue inspect counts the refused lines", inspected_dead_letters(), 3)
        errors = json.loads(s.get("/errors?endpoint=dl"))["endpoints"][0]["errors"]
        msgs = [e["message"] for e in errors if e["class"] == "permanent"]
        check.true("error stream has status and body start: %r" % msgs,
                   msgs and "HTTP 400" in msgs[0] and 'bad batch: field "x" is required' in
                   msgs[0] and "y" * 400 in msgs[0] and "y" * 600 not in msgs[0] and
                   "dead-letter segments" in msgs[0])
        check.eq("dropped permanent_error counted",
                 s.metric("sluice_endpoint_dropped_total", "dl", 'reason="permanent_error"'), 3.0)
    finally:
        s.stop()

    # Without storage.dir the lines go to stderr.
    s = Sluice(args.sluice, w, "deadletter-stderr", service("svcD", eps), storage=False)
    try:
        r.script("/dl", [("status", 403, {}, b"forbidden")])
        s.send("svcD", "dl", ["lost1", "lost2"])
        wait_until(lambda: "lost2" in s.stderr(), 10, "the dead letter on stderr")
        err = s.stderr()
        check.true("stderr dead letter names the endpoint and status: %r" % err[-400:],
                   'endpoint "dl"' in err and "HTTP 403" in err and "lost1\nlost2\n" in err)
    finally:
        s.stop()
        r.stop()


def check_secrets_redacted(args, w, check):
    # A token in the URL's query and one in a header; the receiver echoes both back in its
    # error body. Neither may show in /status, /errors or stderr.
    query_secret, header_secret = "QuerySecret7731", "HeaderSecret9042"
    r = Receiver(challenge=token("svcS")).start()
    path = "/sec?token=%s&v=2" % query_secret  # the receiver keys its scripts by this
    url = r.url(path)
    eps = endpoint("sec", url, 'header_name = "Authorization"\n  header_value = "Bearer %s"\n'
                   '  period_ms = 100' % header_secret)
    s = Sluice(args.sluice, w, "secrets", service("svcS", eps), storage=False)
    try:
        r.script(path, [("echo", 503), ("echo", 503)])
        s.send("svcS", "sec", ["one"])
        wait_until(lambda: r.accepted_lines(path) == ["one"], 15, "delivery after the echoes")
        echoed = r.recorded(path)[0]
        check.eq("the receiver was sent the header", echoed.headers.get("authorization"),
                 "Bearer " + header_secret)
        errors = s.get("/errors?endpoint=sec")
        msgs = [e["message"] for e in json.loads(errors)["endpoints"][0]["errors"]]
        check.true("the error names the request with the query redacted: %r" % msgs,
                   msgs and "token=(redacted)&v=(redacted)" in msgs[0] and "HTTP 503" in msgs[0]
                   and "Authorization: (redacted)" in msgs[0])
        for where, text in (("/status", s.get("/status")), ("/errors", errors),
                            ("stderr", s.stderr())):
            for secret in (query_secret, header_secret):
                check.true("%s does not show %s" % (where, secret), secret not in text)
    finally:
        s.stop()
        r.stop()


def check_cli(args, w, check):
    out = subprocess.run([args.sluice, "challenge", "svc1", "other"], capture_output=True,
                         text=True)
    check.eq("sluice challenge exit", out.returncode, 0)
    check.eq("sluice challenge prints hex(sha256)", out.stdout.split(),
             [token("svc1"), token("other")])
    bad = os.path.join(w, "bad.toml")
    with open(bad, "w") as f:
        f.write(service("svc1", endpoint("h", "https://x/", 'json_format = "5"\n  metod = "PUT"')))
    out = subprocess.run([args.sluice, "check", "-c", bad], capture_output=True, text=True)
    check.eq("sluice check exit on a bad https endpoint", out.returncode, 1)
    check.true("check names service, endpoint and field: %r" % out.stderr,
               'service "svc1" endpoint "h" field "json_format"' in out.stderr and
               'unknown field "metod" (did you mean "method"?)' in out.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    args.sluice = os.path.abspath(args.sluice)
    for tool in ("openssl", "zstd"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed (scripts/setup installs it)" % tool)
            return 77
    checks = [check_cli, check_formats_limits_compression_headers, check_challenge, check_tls,
              check_dead_letter, check_storms, check_secrets_redacted]
    check = Checker()
    workdir = tempfile.mkdtemp(prefix="sluice-https-")
    try:
        for c in checks:
            if args.only and args.only not in c.__name__:
                continue
            started = time.monotonic()
            before = len(check.failures)
            try:
                c(args, workdir, check)
            except AssertionError as e:
                check.failures.append("%s: %s" % (c.__name__, e))
            print("%s: %s (%.1fs)" % (c.__name__, "ok" if len(check.failures) == before else
                                     "FAILED", time.monotonic() - started))
    finally:
        if check.failures:
            print("work directory kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    for f in check.failures:
        print("FAIL: " + f)
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
