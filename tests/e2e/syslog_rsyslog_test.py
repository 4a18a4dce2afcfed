#!/usr/bin/env python3
"""sluice -> syslog endpoints -> a real rsyslogd, over TCP (LF and octet counting), UDP and TLS.

Request records and log statements go in through the HTTP ingest source. Each syslog endpoint
points at its own rsyslog input, whose ruleset writes %rawmsg% (exactly what sluice sent, minus
the transport framing) to its own file. The test checks the exact lines and their counts, the
response condition, placement "none", unknown endpoint names, lines cut at a newline / NUL or at
the length limit, rejected JSON, and the per-endpoint metrics.

Usage: syslog_rsyslog_test.py --sluice PATH_TO_BINARY [--only tcp|tls] [--keep]
"""

import argparse
import json
import os
import re
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syslog_peers import (Rsyslog, Sluice, find_rsyslogd, free_port, http_post,  # noqa: E402
                          make_certs, read_lines, wait_for)

SERVICE = "svc1"

RECORDS = [
    {"req.method": "GET", "req.url": "/a?b=1", "req.proto": "HTTP/1.1",
     "req.http.Host": "x.example.com", "client.ip": "192.0.2.7", "resp.status": 200,
     "resp.body_bytes_written": 512, "time.start": "2026-11-21T08:00:00Z"},
    {"req.method": "POST", "req.url": "/submit", "req.proto": "HTTP/1.1",
     "req.http.Host": "x.example.com", "client.ip": "192.0.2.8", "resp.status": 404,
     "resp.body_bytes_written": 0, "time.start": "2026-11-21T08:00:01Z"},
    {"req.method": "GET", "req.url": "/err", "req.proto": "HTTP/2",
     "req.http.Host": "y.example.com", "client.ip": "192.0.2.9", "resp.status": 503,
     "resp.body_bytes_written": 10, "time.start": "2026-11-21T08:00:02Z"},
    # A URL with a newline: every endpoint's line is cut there, and counted.
    {"req.method": "GET", "req.url": "/multi\nsecond half", "req.proto": "HTTP/1.1",
     "req.http.Host": "x.example.com", "client.ip": "192.0.2.10", "resp.status": 200,
     "resp.body_bytes_written": 1, "time.start": "2026-11-21T08:00:03Z"},
]

# What each endpoint must deliver for RECORDS, in order (Apache %b prints "-" for 0).
EXPECTED_RECORD_LINES = {
    "all": ['192.0.2.7 "GET /a?b=1 HTTP/1.1" 200 512',
            '192.0.2.8 "POST /submit HTTP/1.1" 404 -',
            '192.0.2.9 "GET /err HTTP/2" 503 10',
            '192.0.2.10 "GET /multi'],
    "errors": ["404 /submit", "503 /err"],
    "manual": [],
    "octets": ["200 /a?b=1", "404 /submit", "503 /err", "200 /multi"],
    "udp": ["udp 200", "udp 404", "udp 503", "udp 200"],
}

LONG = "L" * 20000  # longer than the default 16 KiB limit
LOG_STATEMENTS = [
    f"syslog {SERVICE} manual :: hello from a log statement",
    f"syslog {SERVICE} all :: explicit line to an automatic endpoint",
    f"syslog {SERVICE} nope :: nobody has this endpoint",
    f"syslog {SERVICE} nope :: twice",
    f"syslog {SERVICE} manual :: {LONG}",
    f"syslog {SERVICE} manual :: before NUL\x00after NUL",
    f"syslog {SERVICE} classic :: via classic",
]
EXPECTED_LOG_LINES = {
    "manual": ["hello from a log statement", "L" * 16384, "before NUL"],
    "all": ["explicit line to an automatic endpoint"],
}


def config_text(api_port, http_port, ports, certs):
    tls = []
    if certs:
        with open(certs["ca.pem"]) as f:
            ca = f.read()
        tls = ["use_tls = true", 'tls_hostname = "localhost"', f'tls_ca_cert = """{ca}"""']

    def endpoint(name, *fields, with_tls=True):
        lines = ["[[service.logging]]", 'type = "syslog"', f'name = "{name}"',
                 'address = "127.0.0.1"', f"port = {ports[name]}", *fields]
        if with_tls:
            lines += tls
        return "\n".join(lines) + "\n\n"

    text = f"""
[api]
listen = "127.0.0.1:{api_port}"

[[source]]
type = "http"
listen = "127.0.0.1:{http_port}"

[[service]]
id = "{SERVICE}"
name = "www"

[[service.condition]]
name = "errors_only"
statement = "resp.status >= 400"
type = "RESPONSE"

"""
    text += endpoint("all", 'message_type = "blank"', "format = '%h \"%r\" %>s %b'")
    text += endpoint("errors", 'message_type = "blank"', "format = '%>s %{req.url}V'",
                     'response_condition = "errors_only"')
    text += endpoint("manual", 'message_type = "blank"', "format = 'automatic %>s'",
                     'placement = "none"')
    text += endpoint("classic", 'message_type = "classic"', 'token = "TKN-123"',
                     "format = '%m %U'")
    text += endpoint("octets", 'message_type = "blank"', 'framing = "octet_counting"',
                     "format = '%>s %{req.url}V'")
    if not certs:
        text += endpoint("udp", 'protocol = "udp"', 'message_type = "blank"',
                         "format = 'udp %>s'", with_tls=False)
    return text


def check_scenario(binary, workdir, use_tls):
    name = "tls" if use_tls else "tcp"
    print(f"--- scenario {name}")
    endpoints = ["all", "errors", "manual", "classic", "octets"] + ([] if use_tls else ["udp"])
    ports = {e: free_port() for e in endpoints}
    if not use_tls:
        import socket
        ports["udp"] = free_port(socket.SOCK_DGRAM)
    outputs = {e: os.path.join(workdir, f"{name}-{e}.log") for e in endpoints}
    certs = None
    if use_tls:
        certdir = os.path.join(workdir, "certs")
        os.makedirs(certdir, exist_ok=True)
        certs = make_certs(certdir)
    inputs = [{"port": ports[e], "file": outputs[e], "template": "raw",
               "octet_counting": e == "octets", "udp": e == "udp"} for e in endpoints]
    rsyslog = Rsyslog(workdir, inputs, tls=certs, name=f"rsyslog-{name}")
    api_port, http_port = free_port(), free_port()
    sluice = Sluice(binary, workdir, config_text(api_port, http_port, ports, certs), api_port,
                    name=f"sluice-{name}")
    try:
        sluice.check()
        rsyslog.start()
        sluice.start()

        # Records: good ones, and two that are not JSON objects.
        body = "\n".join(json.dumps(r) for r in RECORDS[:2])
        body += "\n{\"req.method\": \"GET\", oops\n[1, 2, 3]\n"
        body += "\n".join(json.dumps(r) for r in RECORDS[2:]) + "\n"
        status, answer = http_post(http_port, f"/ingest/{SERVICE}/requests", body)
        assert status == 202, (status, answer)
        assert answer["accepted"] == len(RECORDS), answer
        assert answer["rejected"] == 2, answer
        bad_lines = sorted(e["line"] for e in answer["errors"])
        assert bad_lines == [3, 4], answer
        assert all(e["reason"] for e in answer["errors"]), answer

        # Log statements, after the records so that each endpoint's order is known.
        status, answer = http_post(http_port, "/ingest/logs", "\n".join(LOG_STATEMENTS) + "\n",
                                   content_type="application/x-ndjson")
        assert status == 202, (status, answer)
        assert answer["accepted"] + answer["rejected"] == len(LOG_STATEMENTS), answer

        expected = {e: list(EXPECTED_RECORD_LINES.get(e, [])) for e in endpoints}
        for e, lines in EXPECTED_LOG_LINES.items():
            expected[e] += lines

        for e in endpoints:
            if e == "classic":
                continue
            want = expected[e]
            try:
                wait_for(lambda: len(read_lines(outputs[e])) >= len(want), timeout=30,
                         what=f"{len(want)} lines in {e}")
            except AssertionError:
                raise AssertionError(f"endpoint {e}: got {read_lines(outputs[e])!r}, "
                                     f"want {want!r}\nsluice log:\n{sluice.tail_log()}")
            got = read_lines(outputs[e])
            assert got == want, f"endpoint {e}:\n got  {got!r}\n want {want!r}"
            print(f"ok {e}: {len(got)} lines exact")

        # classic: RFC 3164 header with local0.info, this host, the endpoint name, then the token.
        classic_want = ["GET /a", "POST /submit", "GET /err", "GET /multi", "via classic"]
        wait_for(lambda: len(read_lines(outputs["classic"])) >= len(classic_want), timeout=30,
                 what="classic lines")
        got = read_lines(outputs["classic"])
        assert len(got) == len(classic_want), got
        header = re.compile(r"^<134>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ classic: TKN-123 (.*)$")
        for line, want in zip(got, classic_want):
            m = header.match(line)
            assert m, f"classic line has no RFC 3164 header: {line!r}"
            assert m.group(1) == want, (line, want)
        print(f"ok classic: {len(got)} lines with header and token")

        # Metrics: counts per endpoint, unknown names, cuts, rejections.
        def delivered_all():
            return all(sluice.metric("sluice_endpoint_delivered_total", service=SERVICE,
                                     endpoint=e) == len(expected[e] if e != "classic"
                                                        else classic_want)
                       for e in endpoints)
        try:
            wait_for(delivered_all, timeout=20, what="delivered_total to match")
        except AssertionError:
            raise AssertionError("delivered_total: " + str({
                e: sluice.metric("sluice_endpoint_delivered_total", endpoint=e)
                for e in endpoints}))
        for e in endpoints:
            n = len(expected[e]) if e != "classic" else len(classic_want)
            got = sluice.metric("sluice_endpoint_received_total", service=SERVICE, endpoint=e)
            assert got == n, (e, "received", got, n)
            assert sluice.metric("sluice_endpoint_queue_lines", endpoint=e) == 0, e
            assert sluice.metric("sluice_endpoint_retried_total", endpoint=e) == 0, e
            errors = sluice.metric("sluice_endpoint_errors_total", endpoint=e)
            assert errors == 0, (e, "errors", errors)
        unknown = sluice.metric("sluice_unknown_endpoint_total", service=SERVICE, endpoint="nope")
        assert unknown == 2, ("unknown endpoint count", unknown)
        cut_len = sluice.metric("sluice_endpoint_lines_cut_total", endpoint="manual",
                                rule="length")
        assert cut_len == 1, ("manual cut at length", cut_len)
        cut_nl = sluice.metric("sluice_endpoint_lines_cut_total", endpoint="manual",
                               rule="newline")
        assert cut_nl == 1, ("manual cut at NUL", cut_nl)
        for e in ["all", "octets", "classic"]:
            n = sluice.metric("sluice_endpoint_lines_cut_total", endpoint=e, rule="newline")
            assert n == 1, (e, "cut at newline", n)
        rejected = sluice.metric("sluice_source_rejected_total")
        assert rejected >= 2, ("rejected records", rejected)
        print("ok metrics: delivered, received, unknown endpoint, cuts, rejections")

        status = sluice.status()
        text = json.dumps(status)
        assert "classic" in text and "TKN-123" not in text, "status must not show the token"
        print("ok status")
    except Exception:
        print(f"rsyslog log:\n{rsyslog.tail_log()}\nsluice log:\n{sluice.tail_log()}")
        raise
    finally:
        sluice.stop()
        rsyslog.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--only", choices=["tcp", "tls"])
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if not find_rsyslogd():
        print("rsyslogd not found: install rsyslog and rsyslog-openssl (scripts/setup)")
        return 1
    workdir = tempfile.mkdtemp(prefix="sluice-e2e-syslog-")
    failed = False
    try:
        for use_tls in (False, True):
            if args.only and args.only != ("tls" if use_tls else "tcp"):
                continue
            try:
                check_scenario(os.path.abspath(args.sluice), workdir, use_tls)
            except Exception:
                traceback.print_exc()
                failed = True
    finally:
        if args.keep or failed:
            print(f"work directory kept: {workdir}")
        else:
            import shutil
            shutil.rmtree(workdir, ignore_errors=True)
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
